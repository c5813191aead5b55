// Command views is what scripts/bench-count.sh counts origin GETs with: n viewers of one URL,
// each on its own HTTP/1.1 keep-alive connection (like wrk's), either one after another or all
// at once. For "at once" every viewer first opens its connection (TLS handshake included) with
// a GET of -warm, then all send their request together, so "16 concurrent views" means 16
// requests in flight at the proxy, not 16 handshakes spread over time.
//
//	views -n 16 -parallel -warm URL -url URL -want BYTES [-cacert FILE]
//
// It prints how many views did not answer 200 with exactly -want body bytes (0: all did; with
// -want -1 only transport errors count);
// the first failure goes to stderr.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	url := flag.String("url", "", "what each viewer GETs")
	warm := flag.String("warm", "", "with -parallel: what each viewer GETs first, to open its connection")
	n := flag.Int("n", 1, "viewers")
	parallel := flag.Bool("parallel", false, "all viewers at once (else one after another, on one connection)")
	want := flag.Int64("want", -1, "body bytes each view must get with a 200 (-1: any answer will do)")
	cacert := flag.String("cacert", "", "PEM CA for https URLs (Caddy's tls internal root)")
	flag.Parse()
	if *url == "" || (*parallel && *warm == "") {
		flag.Usage()
		os.Exit(2)
	}
	tc, err := tlsConfig(*cacert)
	if err != nil {
		fmt.Fprintln(os.Stderr, "views:", err)
		os.Exit(1)
	}
	var bad atomic.Int64
	var once sync.Once
	fail := func(err error) {
		bad.Add(1)
		once.Do(func() { fmt.Fprintln(os.Stderr, "views:", err) })
	}
	if !*parallel {
		c := client(tc)
		for i := 0; i < *n; i++ {
			if err := view(c, *url, *want); err != nil {
				fail(err)
			}
		}
		fmt.Println(bad.Load())
		return
	}
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < *n; i++ {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			c := client(tc)
			err := view(c, *warm, -1)
			ready.Done()
			<-start
			if err == nil {
				err = view(c, *url, *want)
			}
			if err != nil {
				fail(err)
			}
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
	fmt.Println(bad.Load())
}

func tlsConfig(cacert string) (*tls.Config, error) {
	if cacert == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(cacert)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: no certificate", cacert)
	}
	return &tls.Config{RootCAs: pool}, nil
}

// client is one viewer: one HTTP/1.1 connection, kept alive.
func client(tc *tls.Config) *http.Client {
	return &http.Client{
		Timeout: 60 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig:     tc,
			MaxConnsPerHost:     1,
			MaxIdleConnsPerHost: 1,
			TLSNextProto:        map[string]func(string, *tls.Conn) http.RoundTripper{}, // HTTP/1.1
		},
	}
}

// view GETs url and reads the whole body; want >= 0 also requires a 200 of exactly want bytes.
func view(c *http.Client, url string, want int64) error {
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	switch {
	case err != nil:
		return fmt.Errorf("body after %d bytes: %w", n, err)
	case want < 0:
		return nil
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("status %d", resp.StatusCode)
	case n != want:
		return fmt.Errorf("%d bytes, want %d", n, want)
	}
	return nil
}
