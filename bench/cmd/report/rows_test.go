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
		{"HTTPS 2 MB decrypt at 0.92x reverse_proxy passes its 0.9x target", map[string]string{
			"results.tsv": "rps\thttps-2m-baseline\t500\nrps\thttps-2m-decrypt\t460\n",
		}, "HTTPS 2 MB segment: decrypt", bench.Pass},
		{"HTTPS 2 MB encrypt at 0.65x misses its 0.7x target", map[string]string{
			"results.tsv": "rps\thttps-2m-baseline\t500\nrps\thttps-2m-encrypt\t325\n",
		}, "HTTPS 2 MB segment: encrypt", bench.Miss},
		{"HTTPS 2 MB passthrough with a wrk error misses even when fast", map[string]string{
			"results.tsv": "rps\thttps-2m-baseline\t500\nrps\thttps-2m-passthrough\t520\nwrk_errors\thttps-2m-passthrough\t1\n",
		}, "HTTPS 2 MB segment: passthrough", bench.Miss},
		{"HTTPS 6 MB rows carry no verdict", map[string]string{
			"results.tsv": "rps\thttps-6m-baseline\t100\nrps\thttps-6m-reencrypt\t10\n",
		}, "HTTPS 6 MB segment: reencrypt", bench.Info},
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
			if got := rowByPrefix(t, append(httpsRows(r), rows(r)...), tt.prefix); got.Status != tt.want {
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
			files["profile-https-encrypt.txt"] = top
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
		if taken && (!strings.Contains(out, "aescbc.encryptBlocks") || strings.Contains(out, "Build ID")) {
			t.Fatalf("profile section should hold the pprof table without its header:\n%s", out)
		}
	}
}
