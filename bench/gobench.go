package bench

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Result is one line of `go test -bench -benchmem` output.
type Result struct {
	Pkg         string  // from the preceding "pkg:" line
	Name        string  // without the "Benchmark" prefix and the -GOMAXPROCS suffix
	Iterations  int64   // b.N
	NsPerOp     float64 // ns/op
	MBPerSec    float64 // MB/s, 0 when the benchmark did not call SetBytes
	BytesPerOp  float64 // B/op, -1 when not reported
	AllocsPerOp float64 // allocs/op, -1 when not reported
}

// ParseGoBench reads `go test -bench` output and returns every benchmark line in
// order (one Result per line, so -count N gives N results per name).
func ParseGoBench(r io.Reader) ([]Result, error) {
	var out []Result
	pkg := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = strings.TrimSpace(p)
			continue
		}
		if !strings.HasPrefix(line, "Benchmark") {
			continue
		}
		res, ok, err := parseLine(line)
		if err != nil {
			return nil, err
		}
		if ok {
			res.Pkg = pkg
			out = append(out, res)
		}
	}
	return out, sc.Err()
}

// parseLine parses "BenchmarkX-2  100  123 ns/op  4.5 MB/s  8 B/op  1 allocs/op".
// Lines that are not results (a benchmark's log output) report ok=false.
func parseLine(line string) (Result, bool, error) {
	f := strings.Fields(line)
	if len(f) < 4 || f[3] != "ns/op" {
		return Result{}, false, nil
	}
	name := strings.TrimPrefix(f[0], "Benchmark")
	if i := strings.LastIndexByte(name, '-'); i > 0 {
		if _, err := strconv.Atoi(name[i+1:]); err == nil {
			name = name[:i]
		}
	}
	iter, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return Result{}, false, nil
	}
	res := Result{Name: name, Iterations: iter, BytesPerOp: -1, AllocsPerOp: -1}
	for i := 2; i+1 < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return Result{}, false, fmt.Errorf("bench line %q: value %q: %w", line, f[i], err)
		}
		switch f[i+1] {
		case "ns/op":
			res.NsPerOp = v
		case "MB/s":
			res.MBPerSec = v
		case "B/op":
			res.BytesPerOp = v
		case "allocs/op":
			res.AllocsPerOp = v
		}
	}
	return res, true, nil
}

// Series collects, per benchmark name, one metric of every run.
func Series(rs []Result, metric func(Result) float64) map[string][]float64 {
	m := map[string][]float64{}
	for _, r := range rs {
		m[r.Name] = append(m[r.Name], metric(r))
	}
	return m
}
