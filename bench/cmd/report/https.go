package main

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/mediagate/caddy-mediagate/bench"
)

// httpsModes are hls_proxy's four modes with issue 16's req/s targets (vs reverse_proxy,
// 2 MB segments; the 500 KB and 6 MB rows are shown without a verdict).
var httpsModes = []struct {
	mode string
	min  float64
}{
	{"passthrough", 0.95},
	{"decrypt", 0.9},
	{"encrypt", 0.7},
	{"reencrypt", 0.65},
}

var httpsSizes = []struct{ label, name string }{
	{"2m", "2 MB"},
	{"500k", "500 KB"},
	{"6m", "6 MB"},
}

// httpsRows is the headline table (scripts/bench-https.sh): per segment size, the
// reverse_proxy baseline and each mode's median req/s and proxy CPU per request.
func httpsRows(r *run) []bench.Row {
	var out []bench.Row
	for _, sz := range httpsSizes {
		label := func(mode string) string { return "https-" + sz.label + "-" + mode }
		base, baseCPU := r.median("rps", label("baseline")), r.median("cpu_ms_per_req", label("baseline"))
		baseStr := fmt.Sprintf("reverse_proxy: %.0f req/s, %.2f ms CPU", base, baseCPU)
		for _, m := range httpsModes {
			path := fmt.Sprintf("HTTPS %s segment: %s (edgeauth + hls_proxy)", sz.name, m.mode)
			target := ""
			if sz.label == "2m" {
				target = fmt.Sprintf("≥ %.2g× req/s", m.min)
			}
			v, cpu := r.median("rps", label(m.mode)), r.median("cpu_ms_per_req", label(m.mode))
			if missing(v, base) {
				out = append(out, skipRow(path, target))
				continue
			}
			st := bench.Info
			if target != "" {
				st = bench.Verdict(v/base >= m.min)
			}
			if n := sum(r.values["wrk_errors"][label(m.mode)]) + sum(r.values["wrk_errors"][label("baseline")]); n > 0 {
				st = bench.Miss
				path += fmt.Sprintf(" (%0.f wrk rounds reported errors)", n)
			}
			ratio := fmt.Sprintf("%.2f× req/s", v/base)
			if !missing(cpu, baseCPU) {
				ratio += fmt.Sprintf(", %.2f× CPU", cpu/baseCPU)
			}
			out = append(out, bench.Row{
				Path: path, Ours: fmt.Sprintf("%.0f req/s, %.2f ms CPU", v, cpu), Baseline: baseStr,
				Ratio: ratio, Target: target, Status: st,
			})
		}
	}
	return out
}

// writeProfiles adds, when bench.sh ran with BENCH_PROFILE=1, the top functions of the
// proxy's CPU profile during each HTTPS 2 MB mode: where the cost above reverse_proxy goes.
func writeProfiles(w *bytes.Buffer, r *run) {
	if len(r.profile) == 0 {
		return
	}
	w.WriteString("\n## Where the proxy's CPU goes (HTTPS 2 MB, BENCH_PROFILE=1)\n\n")
	w.WriteString("`go tool pprof -top` of Caddy during one wrk round per mode (flat = in the function itself).\n")
	for _, m := range httpsModes {
		p, ok := r.profile[m.mode]
		if !ok {
			continue
		}
		if i := strings.Index(p, "      flat"); i >= 0 {
			p = p[i:] // drop pprof's header lines (file, build id, time)
		}
		fmt.Fprintf(w, "\n%s:\n\n```\n%s```\n", m.mode, p)
	}
}
