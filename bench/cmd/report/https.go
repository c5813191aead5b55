package main

import (
	"fmt"

	"github.com/mediagate/caddy-mediagate/bench"
)

// httpsModes are hls_proxy's four modes with their req/s targets against a plain
// reverse_proxy at every size (issue 26): without object_cache ("cold", concurrent misses
// still coalesced) min, and with the object hot in object_cache hotMin.
var httpsModes = []struct {
	mode string
	min  float64
}{
	{"passthrough", 0.95},
	{"decrypt", 0.95},
	{"encrypt", 0.9},
	{"reencrypt", 0.9},
}

const hotMin = 1.3

var httpsSizes = []struct{ label, name string }{
	{"500k", "500 KB"},
	{"2m", "2 MB"},
	{"6m", "6 MB"},
}

// httpsRow is one headline row and the (size, variant) bench-https.sh measured it as.
type httpsRow struct {
	size, variant string
	row           bench.Row
}

// httpsTable is the headline table (scripts/bench-https.sh): per segment size, each mode
// cold and hot against the reverse_proxy baseline of the same rounds (median req/s, and
// proxy CPU per request).
func httpsTable(r *run) []httpsRow {
	var out []httpsRow
	for _, sz := range httpsSizes {
		label := func(variant string) string { return "https-" + sz.label + "-" + variant }
		base, baseCPU := r.median("rps", label("baseline")), r.median("cpu_ms_per_req", label("baseline"))
		baseStr := fmt.Sprintf("reverse_proxy: %.0f req/s, %.2f ms CPU", base, baseCPU)
		for _, hot := range []bool{false, true} {
			for _, m := range httpsModes {
				variant, min, what := m.mode, m.min, "no object_cache"
				if hot {
					variant, min, what = "hot-"+m.mode, hotMin, "hot object from object_cache"
				}
				path := fmt.Sprintf("HTTPS %s segment: %s, %s", sz.name, m.mode, what)
				target := fmt.Sprintf("≥ %.2g× req/s", min)
				v, cpu := r.median("rps", label(variant)), r.median("cpu_ms_per_req", label(variant))
				if missing(v, base) {
					out = append(out, httpsRow{sz.label, variant, skipRow(path, target)})
					continue
				}
				ratio := pairedRatio(r.values["rps"][label(variant)], r.values["rps"][label("baseline")], hot)
				st := bench.Verdict(ratio >= min)
				if n := sum(r.values["wrk_errors"][label(variant)]) + sum(r.values["wrk_errors"][label("baseline")]); n > 0 {
					st = bench.Miss
					path += fmt.Sprintf(" (%0.f wrk rounds reported errors)", n)
				}
				ratioStr := fmt.Sprintf("%.2f× req/s", ratio)
				if !missing(cpu, baseCPU) {
					ratioStr += fmt.Sprintf(", %.2f× CPU", cpu/baseCPU)
				}
				out = append(out, httpsRow{sz.label, variant, bench.Row{
					Path: path, Ours: fmt.Sprintf("%.0f req/s, %.2f ms CPU", v, cpu), Baseline: baseStr,
					Ratio: ratioStr, Target: target, Status: st,
				}})
			}
		}
	}
	return out
}

// pairedRatio is the median over rounds of ours / the baseline of the same round: bench-https.sh
// runs the baseline twice a round, before the cold group (even indexes) and before the hot
// group (odd ones). Load that changes between rounds then moves both sides of each ratio. When
// the series do not pair up (an older or partial run), it is the ratio of the medians.
func pairedRatio(ours, base []float64, hot bool) float64 {
	if len(base) != 2*len(ours) {
		return bench.Median(ours) / bench.Median(base)
	}
	off := 0
	if hot {
		off = 1
	}
	ratios := make([]float64, len(ours))
	for i, v := range ours {
		ratios[i] = v / base[2*i+off]
	}
	return bench.Median(ratios)
}

func httpsRows(r *run) []bench.Row {
	var out []bench.Row
	for _, h := range httpsTable(r) {
		out = append(out, h.row)
	}
	return out
}

// httpsMisses lists "size variant" for each headline row that missed its target: what
// bench-https.sh profiles (BENCH_PROFILE).
func httpsMisses(r *run) []string {
	var out []string
	for _, h := range httpsTable(r) {
		if h.row.Status == bench.Miss {
			out = append(out, h.size+" "+h.variant)
		}
	}
	return out
}

// countCases are bench-count.sh's cases: origin GETs per view, with issue 26's targets.
var countCases = []struct {
	name, what string
	max        float64 // -1: no target
	exact      bool
}{
	{"one", "1 view, no object_cache", 1, true},
	{"conc", "16 concurrent cold views, no object_cache", 2, false},
	{"hot", "21 views, object_cache", 2, false},
	{"nocache", "21 views, no object_cache", -1, false},
}

// countRows: origin GETs per view counted in the origin's access log, in every mode, with the
// reverse_proxy's count for the same views as the baseline.
func countRows(r *run) []bench.Row {
	var out []bench.Row
	for _, m := range httpsModes {
		for _, c := range countCases {
			path := fmt.Sprintf("origin GETs, %s: %s", m.mode, c.what)
			target := ""
			switch {
			case c.exact:
				target = fmt.Sprintf("= %.0f", c.max)
			case c.max >= 0:
				target = fmt.Sprintf("≤ %.0f", c.max)
			}
			key := m.mode + "." + c.name
			gets := r.median("origin_gets", key)
			if missing(gets + 1) { // 0 GETs is a figure, absent is not
				out = append(out, skipRow(path, target))
				continue
			}
			ours := fmt.Sprintf("%.0f GET", gets) + plural(gets)
			if other := r.median("origin_all", key) - gets; other > 0 {
				ours += fmt.Sprintf(" (+%.0f other requests)", other)
			}
			if mt := r.median("origin_metric", key); !missing(mt + 1) {
				ours += fmt.Sprintf("; origin_requests_total +%.0f", mt)
			}
			if e := r.median("encryptions", key); !missing(e + 1) {
				ours += fmt.Sprintf("; CBC encryptions +%.0f", e)
			}
			baseline := "—"
			if b := r.median("origin_gets", "base."+c.name); !missing(b + 1) {
				baseline = fmt.Sprintf("reverse_proxy: %.0f GET", b) + plural(b)
			}
			st := bench.Info
			if target != "" {
				st = bench.Verdict(gets <= c.max && (!c.exact || gets == c.max))
			}
			if bad := r.median("count_bad", key); bad > 0 {
				st = bench.Miss
				path += fmt.Sprintf(" (%.0f views not a full 200)", bad)
			}
			out = append(out, bench.Row{Path: path, Ours: ours, Baseline: baseline, Target: target, Status: st})
		}
	}
	return out
}

func plural(n float64) string {
	if n == 1 {
		return ""
	}
	return "s"
}
