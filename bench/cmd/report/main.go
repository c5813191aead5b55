// Command report turns the raw figures of one scripts/bench.sh run (a directory with
// results.tsv, load.jsonl and go-*.txt benchmark outputs) into the BENCHMARKS.md table:
// per target our figure, the same-run baseline, the ratio and pass/miss.
//
//	report -dir /tmp/mediagate-bench.XXXX -out BENCHMARKS.md [-notes bench/notes.md]
//	report -dir /tmp/mediagate-bench.XXXX -misses   # "size variant" of each HTTPS row that missed
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mediagate/caddy-mediagate/bench"
)

// run is everything one bench.sh run measured.
type run struct {
	meta     map[string]string
	values   map[string]map[string][]float64 // kind -> label -> values in run order
	strs     map[string]map[string]string    // kind -> label -> last raw value
	gobench  map[string][]bench.Result       // file stem (edgetoken, segcrypt, ...) -> results
	load     []bench.LoadResult
	profiles []*profile // profile-https-<size>-<variant>.txt (BENCH_PROFILE)
}

func main() {
	dir := flag.String("dir", "", "bench.sh output directory")
	out := flag.String("out", "", "markdown file to write (stdout always gets the table)")
	notes := flag.String("notes", "", "markdown appended to the report (the committed run's reading)")
	misses := flag.Bool("misses", false, "only print the HTTPS rows that missed, one \"size variant\" a line")
	flag.Parse()
	if *dir == "" {
		flag.Usage()
		os.Exit(2)
	}
	r, err := load(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
	if *misses {
		for _, m := range httpsMisses(r) {
			fmt.Println(m)
		}
		return
	}
	var md bytes.Buffer
	writeReport(&md, r, httpsRows(r), rows(r))
	if *notes != "" {
		data, err := os.ReadFile(*notes)
		if err != nil {
			fmt.Fprintln(os.Stderr, "report:", err)
			os.Exit(1)
		}
		md.WriteString("\n")
		md.Write(data)
	}
	os.Stdout.Write(md.Bytes())
	if *out != "" {
		if err := os.WriteFile(*out, md.Bytes(), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "report:", err)
			os.Exit(1)
		}
		fmt.Fprintln(os.Stderr, "report: wrote", *out)
	}
}

func load(dir string) (*run, error) {
	r := &run{meta: map[string]string{}, values: map[string]map[string][]float64{},
		strs: map[string]map[string]string{}, gobench: map[string][]bench.Result{}}
	if err := r.readResults(filepath.Join(dir, "results.tsv")); err != nil {
		return nil, err
	}
	files, _ := filepath.Glob(filepath.Join(dir, "go-*.txt"))
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		res, err := bench.ParseGoBench(fh)
		fh.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		stem := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "go-"), ".txt")
		r.gobench[stem] = res
	}
	if err := r.readProfiles(dir); err != nil {
		return nil, err
	}
	if data, err := os.ReadFile(filepath.Join(dir, "load.jsonl")); err == nil {
		for i, line := range bytes.Split(data, []byte("\n")) {
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			var lr bench.LoadResult
			if err := json.Unmarshal(line, &lr); err != nil {
				return nil, fmt.Errorf("load.jsonl line %d: %w", i+1, err)
			}
			r.load = append(r.load, lr)
		}
	}
	return r, nil
}

func (r *run) readResults(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), "\t", 3)
		if len(parts) != 3 {
			continue
		}
		kind, label, val := parts[0], parts[1], parts[2]
		if kind == "meta" {
			r.meta[label] = val
			continue
		}
		if r.strs[kind] == nil {
			r.strs[kind] = map[string]string{}
			r.values[kind] = map[string][]float64{}
		}
		r.strs[kind][label] = val
		if v, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
			r.values[kind][label] = append(r.values[kind][label], v)
		}
	}
	return sc.Err()
}

// readProfiles reads profile-https-<size>-<variant>.txt and the request count of its run.
func (r *run) readProfiles(dir string) error {
	files, _ := filepath.Glob(filepath.Join(dir, "profile-https-*.txt"))
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "profile-https-"), ".txt")
		size, variant, ok := strings.Cut(name, "-")
		if !ok {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		p := &profile{size: size, variant: variant, requests: r.median("profile_requests", name)}
		p.top, p.flat, p.total = parseProfile(string(data))
		r.profiles = append(r.profiles, p)
	}
	return nil
}

// median of a results.tsv series; NaN when absent.
func (r *run) median(kind, label string) float64 {
	return bench.Median(r.values[kind][label])
}

// goMedian is the median of one metric of a benchmark in go-<stem>.txt.
func (r *run) goMedian(stem, name string, metric func(bench.Result) float64) float64 {
	return bench.Median(bench.Series(r.gobench[stem], metric)[name])
}

// goMax is the largest value of a metric over the runs (used for allocs/op).
func (r *run) goMax(stem, name string, metric func(bench.Result) float64) float64 {
	vs := bench.Series(r.gobench[stem], metric)[name]
	if len(vs) == 0 {
		return -1
	}
	m := vs[0]
	for _, v := range vs {
		m = max(m, v)
	}
	return m
}

func writeReport(w *bytes.Buffer, r *run, headline, rows []bench.Row) {
	fmt.Fprintf(w, "# mediagate benchmarks\n\n")
	fmt.Fprintf(w, "Generated by `make bench` (scripts/bench.sh, %s mode). Every ratio compares figures "+
		"taken in the same run on the same machine; medians of several runs.\n\n", r.meta["mode"])
	fmt.Fprintf(w, "- CPU: %s (%s cores, shared)\n", r.meta["cpu"], r.meta["cores"])
	fmt.Fprintf(w, "- Date: %s\n", r.meta["date"])
	fmt.Fprintf(w, "- Go: %s; Caddy: %s; %s\n", r.meta["go"], r.meta["caddy"], r.meta["openssl"])
	fmt.Fprintf(w, "- Load average before / after: %s / %s\n\n", r.meta["load_before"], r.meta["load_after"])
	w.WriteString("## Headline: HTTPS, every mode without and with object_cache, against reverse_proxy\n\n")
	_ = bench.WriteTable(w, headline)
	w.WriteString("\n## Origin GETs per view (counted in the origin's access log)\n\n")
	_ = bench.WriteTable(w, countRows(r))
	w.WriteString("\n## Supporting figures\n\n")
	_ = bench.WriteTable(w, rows)
	writeProfiles(w, r)
	w.WriteString(methodNotes)
}

const methodNotes = `
## How each figure is taken

- **token verify**: ` + "`caddyauth/edgetoken`" + ` BenchmarkVerifyACLSHA256 (parse, path normalisation,
  HMAC, time, ACL) vs BenchmarkBareHMACSHA256 (hmac.New + Write + Equal of the same signed bytes);
  median ns/op; allocs/op is the worst run.
- **HTTPS headline** (scripts/bench-https.sh): one ` + "`bin/caddy`" + ` with ` + "`tls internal`" + ` (its own CA in a
  temp storage), HTTP/1.1 keep-alive, ` + "`wrk -t2 -c16`" + `; a ` + "`reverse_proxy`" + ` of the clear segment (baseline)
  and ` + "`edgeauth` + `hls_proxy`" + ` in each mode, without ` + "`object_cache`" + ` (concurrent misses are still coalesced)
  and with ` + "`object_cache 256MiB`" + ` and the object hot: passthrough and encrypt over the clear objects, decrypt
  and reencrypt over the same segments stored AES-128-CBC encrypted (openssl enc, EXT-X-KEY playlist), their
  context-sealed URLs taken from the playlist each site rewrites. 500 KB, 2 MB and 6 MB, every row with its
  target. Each round, per size: baseline, the four modes without the cache, baseline again, the four hot
  modes; the ratio is the median over rounds of each row's req/s over its own group's baseline in the same
  round (so load that changes between rounds moves both sides). req/s is wrk's bytes read / the answer's
  size / duration (a request still in flight when wrk stops counts for what it moved: at 6 MB on 16
  connections a short run's count of completed requests is mostly rounding); proxy CPU per request is the
  proxy's user+system CPU (/proc/PID/stat) over the run divided by the same request count.
- **origin GETs per view** (scripts/bench-count.sh): counted at the origin, where they are billed: a second
  ` + "`file_server`" + ` over the same files with a JSON access log, behind its own reverse_proxy and ` + "`hls_proxy`" + `
  sites (same Caddy, same configuration as the measured ones), one fresh 2 MB object per mode and case; GETs
  of that object in the log (other requests to it are shown when there are any). Beside it, the delta of
  ` + "`mediagate_hls_proxy_origin_requests_total`" + ` (all kinds) on Caddy's admin /metrics over the same views. Views
  are bench/cmd/views, one HTTP/1.1 connection per viewer: "16 concurrent" opens all 16 connections first
  (a GET of the playlist), then sends the 16 segment requests at once; "21 views" are sequential. The
  playlist and the key are fetched before counting.
- **profiles** (BENCH_PROFILE, default ` + "`misses`" + `): after the measured rounds, one more wrk run of each HTTPS row
  that missed (and of reverse_proxy at its size) under ` + "`/debug/pprof/profile`" + `; flat time per function is
  summed into what it is spent on and divided by that run's requests.
- **through Caddy**: one ` + "`bin/caddy`" + ` with four loopback sites in front of one origin (a second
  Caddy, ` + "`file_server`" + ` over a temp dir): ` + "`reverse_proxy`" + ` (baseline), ` + "`edgeauth` + `hls_proxy`" + `
  (ours, token in ` + "`?__token__=`" + `, minted by ` + "`caddy edgeauth token`" + `), ` + "`hls_proxy`" + ` alone, and ours over
  versitygw (SigV4, same bytes). ` + "`wrk -t2 -c16`" + `, rounds interleaved, median req/s of the rounds.
  "proxy CPU per request" is the proxy process's user+system time (/proc/PID/stat) over a wrk
  round divided by its requests: on a shared machine it is steadier than req/s.
- **AES-128-CBC**: ` + "`internal/aescbc`" + ` BenchmarkDecrypt2MB/aescbc and BenchmarkEncrypt2MB/aescbc (one
  CryptBlocks over a 2 MB buffer: AES-NI assembly, decryption eight blocks in flight) and their
  crypto/cipher twins (/stdlib) vs ` + "`openssl speed -elapsed -evp aes-128-cbc [-decrypt] -bytes 2097152`" + `
  (in-memory, AES-NI; -elapsed so both sides are wall-clock figures), interleaved round by round. The streaming rows are ` + "`hlsproxy/segcrypt`" + `
  BenchmarkDecrypt2MB / BenchmarkEncrypt2MB (io.Copy through the segcrypt reader: the source copy
  into its 32 KiB buffer is included). The "openssl enc process" rows compare with
  BenchmarkOpenSSL*2MB, which runs ` + "`openssl enc`" + ` on a 2 MB file per op (process start included).
- **rewrite**: ` + "`hlsproxy/playlist`" + ` BenchmarkRewrite10kSegments vs BenchmarkGrafovDecode10kSegments;
  ` + "`internal/delivery`" + ` BenchmarkDeliveryRewrite10kTokenized vs BenchmarkGrafovDecode10k.
- **1 GiB**: a fresh Caddy per variant, one warm-up segment, then ` + "`curl -o /dev/null`" + ` of a 1 GiB
  sparse object; growth of VmHWM (peak RSS) from /proc/PID/status across the stream, its speed,
  and the CPU time the proxy process spent on it.
- **1 000 streams**: bench/cmd/load, 1 000 keep-alive streams, each fetching the 2 MB segment once
  per period like a player (first fetch at a random offset), baseline and ours alternating; p99 of
  the time to response headers (what the proxy adds before bytes flow) and of the full transfer,
  median over rounds. The saturated row runs the same 1 000 streams back to back for 3 s (one
  round): there every request's latency is its share of the bandwidth, so it shows req/s and errors.
- **diagnostic copy**: bench BenchmarkCopyToIdleTimeoutWriter, 64 MiB through Caddy's IdleTimeoutWriter
  to a loopback client: the ReadFrom path (what hls_proxy's stream() did before it wrapped the writer) vs the Write path it takes now.
- **origin pool**: ` + "`hlsproxy/origin`" + ` BenchmarkFetch2MiB sub-benchmarks (Pool.Fetch vs plain net/http GET
  of the same loopback file server; Pool.Fetch over versitygw).
`
