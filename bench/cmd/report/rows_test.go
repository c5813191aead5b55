package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mediagate/caddy-mediagate/bench"
)

// writeRun lays out a bench.sh output directory with the given files.
func writeRun(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func rowByPrefix(t *testing.T, rows []bench.Row, prefix string) bench.Row {
	t.Helper()
	for _, r := range rows {
		if strings.HasPrefix(r.Path, prefix) {
			return r
		}
	}
	t.Fatalf("no row starting with %q", prefix)
	return bench.Row{}
}

func TestTargetsPassAndMissOnTheirThresholds(t *testing.T) {
	tests := []struct {
		name   string
		files  map[string]string
		prefix string
		want   bench.Status
	}{
		{"token verify within 1.5x and 2 allocs passes", map[string]string{
			"go-edgetoken.txt": "BenchmarkVerifyACLSHA256-2 10 140 ns/op 0 B/op 2 allocs/op\nBenchmarkBareHMACSHA256-2 10 100 ns/op 0 B/op 6 allocs/op\n",
		}, "token verify", bench.Pass},
		{"token verify with 3 allocs misses even when fast", map[string]string{
			"go-edgetoken.txt": "BenchmarkVerifyACLSHA256-2 10 90 ns/op 0 B/op 3 allocs/op\nBenchmarkBareHMACSHA256-2 10 100 ns/op 0 B/op 6 allocs/op\n",
		}, "token verify", bench.Miss},
		{"req/s uses the median round and misses below 0.9x", map[string]string{
			"results.tsv": "rps\tbaseline\t100\nrps\tours\t95\nrps\tbaseline\t100\nrps\tours\t85\nrps\tbaseline\t100\nrps\tours\t80\n",
		}, "protected segment GET", bench.Miss},
		{"req/s at 0.95x passes", map[string]string{
			"results.tsv": "rps\tbaseline\t100\nrps\tours\t95\n",
		}, "protected segment GET", bench.Pass},
		{"wrk errors turn a fast run into a miss", map[string]string{
			"results.tsv": "rps\tbaseline\t100\nrps\tours\t120\nwrk_errors\tours\t1\n",
		}, "protected segment GET", bench.Miss},
		{"1 GiB stream growing 40 MiB misses", map[string]string{
			"results.tsv": "rss\tours.hwm_before_kb\t51200\nrss\tours.hwm_after_kb\t92160\nrss\tours.status\t200 1073741824\n",
		}, "stream a 1 GiB object", bench.Miss},
		{"1 GiB stream cut short misses even with little growth", map[string]string{
			"results.tsv": "rss\tours.hwm_before_kb\t51200\nrss\tours.hwm_after_kb\t52200\nrss\tours.status\t200 1000\n",
		}, "stream a 1 GiB object", bench.Miss},
		{"decrypt at 0.85x openssl passes", map[string]string{
			"go-segcrypt.txt": "BenchmarkDecrypt2MB-2 10 1 ns/op 850 MB/s\n",
			"results.tsv":     "openssl_mbps\tdec\t1000\n",
		}, "decrypt a 2 MB", bench.Pass},
		{"raw aescbc decrypt at 0.85x openssl passes its 0.8x target", map[string]string{
			"go-aescbc.txt": "BenchmarkDecrypt2MB/aescbc-2 10 1 ns/op 850 MB/s\nBenchmarkDecrypt2MB/stdlib-2 10 1 ns/op 170 MB/s\n",
			"results.tsv":   "openssl_mbps\tdec\t1000\n",
		}, "AES-128-CBC decrypt", bench.Pass},
		{"raw aescbc encrypt at 0.85x openssl misses its 0.9x target", map[string]string{
			"go-aescbc.txt": "BenchmarkEncrypt2MB/aescbc-2 10 1 ns/op 850 MB/s\n",
			"results.tsv":   "openssl_mbps\tenc\t1000\n",
		}, "AES-128-CBC encrypt", bench.Miss},
		{"raw aescbc encrypt uses the median of the rounds", map[string]string{
			"go-aescbc.txt": "BenchmarkEncrypt2MB/aescbc-2 10 1 ns/op 500 MB/s\nBenchmarkEncrypt2MB/aescbc-2 10 1 ns/op 950 MB/s\nBenchmarkEncrypt2MB/aescbc-2 10 1 ns/op 960 MB/s\n",
			"results.tsv":   "openssl_mbps\tenc\t1000\nopenssl_mbps\tenc\t1100\nopenssl_mbps\tenc\t900\n",
		}, "AES-128-CBC encrypt", bench.Pass},
		{"p99 time to headers 1.5 ms above reverse_proxy misses", map[string]string{
			"load.jsonl": `{"label":"baseline","conc":1000,"period_s":20,"requests":1000,"ttfb_p99_ms":5,"total_p99_ms":9,"rps":50}` + "\n" +
				`{"label":"ours","conc":1000,"period_s":20,"requests":1000,"ttfb_p99_ms":6.5,"total_p99_ms":9,"rps":50}` + "\n",
		}, "1 000 concurrent", bench.Miss},
		{"HTTPS 2 MB decrypt without the cache at 0.96x reverse_proxy passes its 0.95x target", map[string]string{
			"results.tsv": "rps\thttps-2m-baseline\t500\nrps\thttps-2m-decrypt\t480\n",
		}, "HTTPS 2 MB segment: decrypt, no object_cache", bench.Pass},
		{"HTTPS 500 KB decrypt without the cache at 0.92x misses its 0.95x target", map[string]string{
			"results.tsv": "rps\thttps-500k-baseline\t500\nrps\thttps-500k-decrypt\t460\n",
		}, "HTTPS 500 KB segment: decrypt, no object_cache", bench.Miss},
		{"HTTPS 6 MB encrypt without the cache at 0.85x misses its 0.9x target", map[string]string{
			"results.tsv": "rps\thttps-6m-baseline\t100\nrps\thttps-6m-encrypt\t85\n",
		}, "HTTPS 6 MB segment: encrypt, no object_cache", bench.Miss},
		{"HTTPS 6 MB hot reencrypt at 1.2x misses its 1.3x target", map[string]string{
			"results.tsv": "rps\thttps-6m-baseline\t100\nrps\thttps-6m-hot-reencrypt\t120\n",
		}, "HTTPS 6 MB segment: reencrypt, hot object", bench.Miss},
		{"HTTPS 500 KB hot passthrough at 1.4x passes its 1.3x target", map[string]string{
			"results.tsv": "rps\thttps-500k-baseline\t100\nrps\thttps-500k-hot-passthrough\t140\n",
		}, "HTTPS 500 KB segment: passthrough, hot object", bench.Pass},
		// bench-https.sh runs the baseline twice a round: before the cold group, then before the
		// hot group. Each row is paired with its own group's run of the same round.
		{"HTTPS hot rows are paired with the baseline run before the hot group", map[string]string{
			// hot 180 / 200 = 0.9x misses; against the cold group's 100 it would be 1.8x.
			"results.tsv": "rps\thttps-2m-baseline\t100\nrps\thttps-2m-baseline\t200\nrps\thttps-2m-hot-encrypt\t180\n",
		}, "HTTPS 2 MB segment: encrypt, hot object", bench.Miss},
		{"HTTPS cold rows are paired with the baseline run before the cold group", map[string]string{
			// cold 180 / 200 = 0.9x misses; against the hot group's 100 it would be 1.8x.
			"results.tsv": "rps\thttps-2m-baseline\t200\nrps\thttps-2m-decrypt\t180\nrps\thttps-2m-baseline\t100\n",
		}, "HTTPS 2 MB segment: decrypt, no object_cache", bench.Miss},
		{"HTTPS ratios are the median of the rounds' paired ratios", map[string]string{
			// rounds 0.96x, 0.96x, 0.5x: median 0.96x passes (ratio of medians: 192 / 200 too,
			// but the worst round alone would miss).
			"results.tsv": "rps\thttps-2m-baseline\t200\nrps\thttps-2m-baseline\t200\nrps\thttps-2m-decrypt\t192\n" +
				"rps\thttps-2m-baseline\t200\nrps\thttps-2m-baseline\t200\nrps\thttps-2m-decrypt\t192\n" +
				"rps\thttps-2m-baseline\t400\nrps\thttps-2m-baseline\t400\nrps\thttps-2m-decrypt\t200\n",
		}, "HTTPS 2 MB segment: decrypt, no object_cache", bench.Pass},
		{"HTTPS passthrough with a wrk error misses even when fast", map[string]string{
			"results.tsv": "rps\thttps-2m-baseline\t500\nrps\thttps-2m-passthrough\t520\nwrk_errors\thttps-2m-passthrough\t1\n",
		}, "HTTPS 2 MB segment: passthrough, no object_cache", bench.Miss},
		{"origin GETs: 1 view costing 1 GET passes", map[string]string{
			"results.tsv": "origin_gets\tdecrypt.one\t1\norigin_all\tdecrypt.one\t1\ncount_bad\tdecrypt.one\t0\n",
		}, "origin GETs, decrypt: 1 view", bench.Pass},
		{"origin GETs: 1 view costing 2 GETs (a probe) misses", map[string]string{
			"results.tsv": "origin_gets\tdecrypt.one\t2\n",
		}, "origin GETs, decrypt: 1 view", bench.Miss},
		{"origin GETs: 1 view costing no GET misses (the view was not counted)", map[string]string{
			"results.tsv": "origin_gets\tencrypt.one\t0\n",
		}, "origin GETs, encrypt: 1 view", bench.Miss},
		{"origin GETs: 16 concurrent views costing 3 GETs miss", map[string]string{
			"results.tsv": "origin_gets\tpassthrough.conc\t3\n",
		}, "origin GETs, passthrough: 16 concurrent", bench.Miss},
		{"origin GETs: 21 cached views costing 2 GETs pass", map[string]string{
			"results.tsv": "origin_gets\treencrypt.hot\t2\n",
		}, "origin GETs, reencrypt: 21 views, object_cache", bench.Pass},
		{"origin GETs: a view that was not a full 200 turns a low count into a miss", map[string]string{
			"results.tsv": "origin_gets\treencrypt.hot\t1\ncount_bad\treencrypt.hot\t3\n",
		}, "origin GETs, reencrypt: 21 views, object_cache", bench.Miss},
		{"origin GETs not counted are reported as not measured", map[string]string{}, "origin GETs, decrypt: 1 view", bench.Skip},
		{"a missing measurement is reported as not measured", map[string]string{}, "token verify", bench.Skip},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, ok := tt.files["results.tsv"]; !ok {
				tt.files["results.tsv"] = ""
			}
			r, err := load(writeRun(t, tt.files))
			if err != nil {
				t.Fatal(err)
			}
			if got := rowByPrefix(t, append(append(httpsRows(r), countRows(r)...), rows(r)...), tt.prefix); got.Status != tt.want {
				t.Errorf("status = %q, want %q (row %+v)", got.Status, tt.want, got)
			}
		})
	}
}

func TestHTTPSProfilesGoIntoTheReportOnlyWhenTaken(t *testing.T) {
	top := "File: caddy\nBuild ID: x\n      flat  flat%   sum%        cum   cum%\n     0.81s 43.78% 43.78%      0.81s 43.78%  aescbc.encryptBlocks\n"
	for _, taken := range []bool{false, true} {
		files := map[string]string{"results.tsv": ""}
		if taken {
			files["profile-https-2m-hot-encrypt.txt"] = top
		}
		r, err := load(writeRun(t, files))
		if err != nil {
			t.Fatal(err)
		}
		var md bytes.Buffer
		writeReport(&md, r, httpsRows(r), rows(r))
		out := md.String()
		if got := strings.Contains(out, "Where the proxy's CPU goes"); got != taken {
			t.Fatalf("profile taken = %v, section present = %v", taken, got)
		}
		if taken && (!strings.Contains(out, "aescbc.encryptBlocks") || strings.Contains(out, "Build ID") || !strings.Contains(out, "encrypt hot")) {
			t.Fatalf("profile section should hold the pprof table without its header, named by its row:\n%s", out)
		}
	}
}

func TestProfileTimeIsSplitPerRequestByWhatItIsSpentOn(t *testing.T) {
	top := "File: caddy\nDuration: 3s, Total samples = 2s\n      flat  flat%   sum%        cum   cum%\n" +
		"     1.20s 60.00% 60.00%      1.20s 60.00%  github.com/x/internal/aescbc.encryptBlocks\n" +
		"     500ms 25.00% 85.00%      500ms 25.00%  internal/runtime/syscall/linux.Syscall6\n" +
		"     200ms 10.00% 95.00%      200ms 10.00%  crypto/internal/fips140/aes/gcm.gcmAesEnc\n" +
		"     100ms  5.00%   100%      2.00s   100%  net/http.(*conn).serve\n"
	r, err := load(writeRun(t, map[string]string{
		"results.tsv":                      "profile_requests\t6m-reencrypt\t100\n",
		"profile-https-6m-reencrypt.txt":   top,
		"profile-https-6m-malformed.txt":   "no table here\n",
		"profile-https-unsized.txt":        top,
		"profile-https-2m-baseline.txt":    top,
		"profile-https-2m-passthrough.txt": top,
	}))
	if err != nil {
		t.Fatal(err)
	}
	var md bytes.Buffer
	writeProfiles(&md, r)
	out := md.String()
	for _, want := range []string{
		"| AES-128-CBC (aescbc) | 12.000 |", // 1.2 s over 100 requests
		"| syscalls (socket reads and writes, epoll) | 5.000 |",
		"| TLS record encryption (AES-GCM) | 2.000 |",
		"| other | 1.000 |",
		"| total | 20.000 |",
		"| spent on | reverse_proxy | passthrough |", // baseline first
	} {
		if !strings.Contains(out, want) {
			t.Errorf("profile section lacks %q:\n%s", want, out)
		}
	}
}

func TestMissesListEachHTTPSRowThatMissedBySizeAndVariant(t *testing.T) {
	r, err := load(writeRun(t, map[string]string{"results.tsv": "rps\thttps-6m-baseline\t100\n" +
		"rps\thttps-6m-encrypt\t95\nrps\thttps-6m-hot-encrypt\t120\nrps\thttps-6m-decrypt\t80\nrps\thttps-6m-hot-decrypt\t140\n"}))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(httpsMisses(r), ",")
	if want := "6m decrypt,6m hot-encrypt"; got != want {
		t.Fatalf("misses = %q, want %q", got, want)
	}
}
