package bench

import (
	"strings"
	"testing"
)

const sampleOutput = `goos: linux
goarch: amd64
pkg: github.com/mediagate/caddy-mediagate/hlsproxy/segcrypt
cpu: AMD EPYC
BenchmarkDecrypt2MB-2                	     582	   2464991 ns/op	 850.78 MB/s	   42208 B/op	       7 allocs/op
BenchmarkVerifyACLSHA256             	 1000000	      1057 ns/op
BenchmarkFetch2MiB/pool-s3-versitygw-2         	     100	  9123456 ns/op	 229.87 MB/s	 1234 B/op	 56 allocs/op
BenchmarkNoisy-2   some log line from the benchmark
PASS
`

func TestParseGoBenchReadsEveryResultLine(t *testing.T) {
	rs, err := ParseGoBench(strings.NewReader(sampleOutput))
	if err != nil {
		t.Fatal(err)
	}
	want := []Result{
		{Pkg: "github.com/mediagate/caddy-mediagate/hlsproxy/segcrypt", Name: "Decrypt2MB", Iterations: 582,
			NsPerOp: 2464991, MBPerSec: 850.78, BytesPerOp: 42208, AllocsPerOp: 7},
		{Pkg: "github.com/mediagate/caddy-mediagate/hlsproxy/segcrypt", Name: "VerifyACLSHA256", Iterations: 1000000,
			NsPerOp: 1057, BytesPerOp: -1, AllocsPerOp: -1},
		{Pkg: "github.com/mediagate/caddy-mediagate/hlsproxy/segcrypt", Name: "Fetch2MiB/pool-s3-versitygw", Iterations: 100,
			NsPerOp: 9123456, MBPerSec: 229.87, BytesPerOp: 1234, AllocsPerOp: 56},
	}
	if len(rs) != len(want) {
		t.Fatalf("got %d results %+v, want %d", len(rs), rs, len(want))
	}
	for i := range want {
		if rs[i] != want[i] {
			t.Errorf("result %d = %+v, want %+v", i, rs[i], want[i])
		}
	}
}

func TestParseGoBenchRejectsGarbledValue(t *testing.T) {
	_, err := ParseGoBench(strings.NewReader("BenchmarkX-2 10 12 ns/op 3x4 MB/s\n"))
	if err == nil {
		t.Fatal("want an error for a non-numeric MB/s value")
	}
}

func TestSeriesGroupsRunsByName(t *testing.T) {
	rs := []Result{{Name: "A", NsPerOp: 1}, {Name: "B", NsPerOp: 5}, {Name: "A", NsPerOp: 3}}
	s := Series(rs, func(r Result) float64 { return r.NsPerOp })
	if got := s["A"]; len(got) != 2 || got[0] != 1 || got[1] != 3 {
		t.Errorf("A = %v, want [1 3]", got)
	}
	if got := s["B"]; len(got) != 1 || got[0] != 5 {
		t.Errorf("B = %v, want [5]", got)
	}
}

func FuzzParseGoBench(f *testing.F) {
	f.Add(sampleOutput)
	f.Add("BenchmarkX-2 10 12 ns/op 3x4 MB/s\n")
	f.Add("pkg: p\nBenchmark 1 2 ns/op\nBenchmarkY-a 5 6 ns/op 7 allocs/op\n")
	f.Fuzz(func(t *testing.T, in string) {
		rs, err := ParseGoBench(strings.NewReader(in))
		if err != nil {
			return
		}
		lines := 0
		for _, l := range strings.Split(in, "\n") {
			if strings.HasPrefix(l, "Benchmark") {
				lines++
			}
		}
		if len(rs) > lines {
			t.Fatalf("%d results from %d benchmark lines", len(rs), lines)
		}
		for _, r := range rs {
			if r.AllocsPerOp < -1 && !strings.Contains(in, "-") {
				t.Errorf("negative allocs %v from input without a minus sign", r.AllocsPerOp)
			}
		}
	})
}
