// Command load drives N concurrent HTTP streams at one URL for a bounded time and prints
// one JSON line: request rate, throughput, and the time-to-first-byte and total-latency
// percentiles of every completed request. make bench uses it for the 1 000-stream target.
//
// Without -period every stream fetches back to back (closed loop: saturation). With
// -period P each stream behaves like a player: it fetches one segment every P (its
// first fetch at a random offset within P), so the load is 1 segment/P per stream and
// the latencies show what the proxy adds below saturation.
//
//	load -url http://127.0.0.1:8080/hls/seg.ts?__token__=... -c 1000 -d 30s -period 10s -label ours -expect 2097152
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/mediagate/caddy-mediagate/bench"
)

type sample struct{ ttfb, total time.Duration }

func main() {
	url := flag.String("url", "", "URL to GET (required)")
	conc := flag.Int("c", 100, "concurrent streams")
	dur := flag.Duration("d", 10*time.Second, "how long new requests are started")
	label := flag.String("label", "", "label copied into the result")
	expect := flag.Int64("expect", -1, "expected body length; other lengths count as errors")
	timeout := flag.Duration("timeout", 60*time.Second, "per-request timeout")
	maxReq := flag.Int("max-per-stream", 100000, "bound on requests per stream")
	period := flag.Duration("period", 0, "per-stream fetch interval (0: back to back)")
	warmup := flag.Duration("warmup", 0, "before measuring, each stream opens its connection with a HEAD at a random time within this")
	flag.Parse()
	if *url == "" || *conc < 1 || *dur <= 0 {
		flag.Usage()
		os.Exit(2)
	}
	res := run(*url, *conc, *dur, *period, *warmup, *timeout, *maxReq, *expect)
	res.Label = *label
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(url string, conc int, dur, period, warmup, timeout time.Duration, maxReq int, expect int64) bench.LoadResult {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        conc,
		MaxIdleConnsPerHost: conc,
		DisableCompression:  true,
		IdleConnTimeout:     30 * time.Second,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: timeout}

	start := time.Now().Add(warmup)
	deadline := start.Add(dur)
	per := make([][]sample, conc)
	errs := make([]int, conc)
	byteCounts := make([]int64, conc)
	var firstErr error
	var errOnce sync.Once
	var wg sync.WaitGroup
	for i := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 32<<10)
			if warmup > 0 {
				time.Sleep(time.Duration(rand.Int64N(int64(warmup))))
				head(client, url)
				time.Sleep(time.Until(start))
			}
			var next time.Time
			if period > 0 {
				next = start.Add(time.Duration(rand.Int64N(int64(period))))
			}
			for n := 0; n < maxReq; n++ {
				if period > 0 {
					if !next.Before(deadline) {
						break
					}
					time.Sleep(time.Until(next))
					next = next.Add(period)
				}
				if !time.Now().Before(deadline) {
					break
				}
				s, nb, err := one(client, url, buf, expect)
				byteCounts[i] += nb
				if err != nil {
					errs[i]++
					errOnce.Do(func() { firstErr = err })
					continue
				}
				per[i] = append(per[i], s)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)

	var ttfb, total []time.Duration
	res := bench.LoadResult{Conc: conc, Seconds: elapsed.Seconds(), PeriodS: period.Seconds()}
	for i := range conc {
		for _, s := range per[i] {
			ttfb = append(ttfb, s.ttfb)
			total = append(total, s.total)
		}
		res.Errors += errs[i]
		res.Bytes += byteCounts[i]
	}
	res.Requests = len(total)
	res.RPS = float64(res.Requests) / elapsed.Seconds()
	res.MBps = float64(res.Bytes) / elapsed.Seconds() / 1e6
	res.TTFBP50ms = ms(bench.Percentile(ttfb, 50))
	res.TTFBP99ms = ms(bench.Percentile(ttfb, 99))
	res.TotalP50ms = ms(bench.Percentile(total, 50))
	res.TotalP99ms = ms(bench.Percentile(total, 99))
	if firstErr != nil {
		res.FirstErr = firstErr.Error()
	}
	return res
}

// one performs a GET and drains the body; ttfb is when the response headers arrived.
func one(client *http.Client, url string, buf []byte, expect int64) (sample, int64, error) {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	if err != nil {
		return sample{}, 0, err
	}
	t0 := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return sample{}, 0, err
	}
	ttfb := time.Since(t0)
	n, err := io.CopyBuffer(io.Discard, resp.Body, buf)
	resp.Body.Close()
	total := time.Since(t0)
	if err != nil {
		return sample{}, n, fmt.Errorf("body after %d bytes: %w", n, err)
	}
	if resp.StatusCode != http.StatusOK {
		return sample{}, n, fmt.Errorf("status %d", resp.StatusCode)
	}
	if expect >= 0 && n != expect {
		return sample{}, n, fmt.Errorf("body %d bytes, want %d", n, expect)
	}
	return sample{ttfb: ttfb, total: total}, n, nil
}

// head opens (and leaves in the pool) a connection, unmeasured.
func head(client *http.Client, url string) {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodHead, url, nil)
	if err != nil {
		return
	}
	if resp, err := client.Do(req); err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
