package main

import (
	"fmt"
	"math"

	"github.com/mediagate/caddy-mediagate/bench"
)

const segMiB = 2.0 // the through-Caddy segment is 2 MiB

var (
	nsPerOp  = func(r bench.Result) float64 { return r.NsPerOp }
	mbPerSec = func(r bench.Result) float64 { return r.MBPerSec }
	allocs   = func(r bench.Result) float64 { return r.AllocsPerOp }
)

func missing(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || v <= 0 {
			return true
		}
	}
	return false
}

func skipRow(path, target string) bench.Row {
	return bench.Row{Path: path, Target: target, Status: bench.Skip}
}

func rows(r *run) []bench.Row {
	var out []bench.Row
	out = append(out, tokenRows(r)...)
	out = append(out, caddyRows(r)...)
	out = append(out, cryptoRows(r)...)
	out = append(out, rewriteRows(r)...)
	out = append(out, memoryRows(r)...)
	out = append(out, concurrencyRows(r)...)
	out = append(out, originRows(r)...)
	out = append(out, copyRows(r)...)
	return out
}

func tokenRows(r *run) []bench.Row {
	const path, target = "token verify (ACL, sha256)", "≤ 1.5×, ≤ 2 allocs"
	ours := r.goMedian("edgetoken", "VerifyACLSHA256", nsPerOp)
	base := r.goMedian("edgetoken", "BareHMACSHA256", nsPerOp)
	if missing(ours, base) {
		return []bench.Row{skipRow(path, target)}
	}
	a := r.goMax("edgetoken", "VerifyACLSHA256", allocs)
	ba := r.goMax("edgetoken", "BareHMACSHA256", allocs)
	ratio := ours / base
	return []bench.Row{{
		Path:     path,
		Ours:     fmt.Sprintf("%.0f ns/op, %.0f allocs", ours, a),
		Baseline: fmt.Sprintf("bare HMAC-SHA256: %.0f ns/op, %.0f allocs", base, ba),
		Ratio:    fmt.Sprintf("%.2f×", ratio),
		Target:   target,
		Status:   bench.Verdict(ratio <= 1.5 && a >= 0 && a <= 2),
	}}
}

func caddyRows(r *run) []bench.Row {
	const path, target = "protected segment GET through Caddy (edgeauth + hls_proxy, 2 MB)", "≥ 0.9× req/s"
	base := r.median("rps", "baseline")
	rps := func(label string) string {
		v := r.median("rps", label)
		return fmt.Sprintf("%.0f req/s (%.0f MiB/s)", v, v*segMiB)
	}
	if missing(base, r.median("rps", "ours")) {
		return []bench.Row{skipRow(path, target)}
	}
	baseStr := "reverse_proxy: " + rps("baseline")
	row := func(p, label, target string, gate bool) bench.Row {
		v := r.median("rps", label)
		if missing(v) {
			return skipRow(p, target)
		}
		st := bench.Info
		if gate {
			st = bench.Verdict(v/base >= 0.9)
		}
		if n := sum(r.values["wrk_errors"][label]); n > 0 {
			st = bench.Miss
			p += fmt.Sprintf(" (%0.f wrk rounds reported errors)", n)
		}
		return bench.Row{Path: p, Ours: rps(label), Baseline: baseStr,
			Ratio: fmt.Sprintf("%.2f×", v/base), Target: target, Status: st}
	}
	out := []bench.Row{
		row(path, "ours", target, true),
		row("  same, hls_proxy alone (no edgeauth)", "proxyonly", "", false),
		row("  same, ours over S3 (versitygw, SigV4)", "s3", "", false),
	}
	// CPU time of the proxy process per request: steadier than req/s on a shared machine.
	bc := r.median("cpu_ms_per_req", "baseline")
	for _, c := range []struct{ path, label string }{
		{"  proxy CPU per 2 MB request, ours", "ours"},
		{"  proxy CPU per 2 MB request, ours over S3", "s3"},
	} {
		if oc := r.median("cpu_ms_per_req", c.label); !missing(oc, bc) {
			out = append(out, bench.Row{Path: c.path, Ours: fmt.Sprintf("%.2f ms", oc),
				Baseline: fmt.Sprintf("reverse_proxy: %.2f ms", bc),
				Ratio:    fmt.Sprintf("%.2f× CPU", oc/bc), Status: bench.Info})
		}
	}
	return out
}

// cryptoRows: AES-128-CBC against `openssl speed -evp aes-128-cbc [-decrypt]` on 2 MB,
// interleaved round by round in bench.sh. First the raw cipher (internal/aescbc, one
// CryptBlocks over the buffer; issue 16's targets), then crypto/cipher on the same buffer,
// then segcrypt's streaming reader (issue 8's target) and the openssl enc process.
func cryptoRows(r *run) []bench.Row {
	var out []bench.Row
	for _, c := range []struct {
		op, name, proc, ssl, rawTarget string
		rawMin                         float64
	}{
		{"decrypt", "Decrypt2MB", "OpenSSLDecrypt2MB", "dec", "≥ 0.8×", 0.8},
		{"encrypt", "Encrypt2MB", "OpenSSLEncrypt2MB", "enc", "≥ 0.9×", 0.9},
	} {
		ssl := r.median("openssl_mbps", c.ssl)
		sslStr := fmt.Sprintf("openssl speed (in-memory): %.0f MB/s", ssl)
		rawPath := "AES-128-CBC " + c.op + ", 2 MB in memory (internal/aescbc: AES-NI, VAES where present)"
		raw := r.goMedian("aescbc", c.name+"/aescbc", mbPerSec)
		if missing(raw, ssl) {
			out = append(out, skipRow(rawPath, c.rawTarget))
		} else {
			out = append(out, bench.Row{
				Path: rawPath, Ours: fmt.Sprintf("%.0f MB/s", raw), Baseline: sslStr,
				Ratio: fmt.Sprintf("%.2f×", raw/ssl), Target: c.rawTarget, Status: bench.Verdict(raw/ssl >= c.rawMin),
			})
			if narrow := r.goMedian("aescbc", c.name+"/aesni", mbPerSec); !missing(narrow) {
				out = append(out, bench.Row{
					Path: "  same, 128-bit AES-NI path (8 blocks in flight; CPUs without VAES)", Ours: fmt.Sprintf("%.0f MB/s", narrow),
					Baseline: sslStr, Ratio: fmt.Sprintf("%.2f×", narrow/ssl), Status: bench.Info,
				})
			}
			if std := r.goMedian("aescbc", c.name+"/stdlib", mbPerSec); !missing(std) {
				out = append(out, bench.Row{
					Path: "  Go crypto/cipher CBC, same buffer (one AES call per block)", Ours: fmt.Sprintf("%.0f MB/s", std),
					Baseline: sslStr, Ratio: fmt.Sprintf("%.2f× (aescbc: %.1f× faster)", std/ssl, raw/std), Status: bench.Info,
				})
			}
		}
		path := c.op + " a 2 MB segment, streaming (segcrypt reader, io.Copy)"
		ours := r.goMedian("segcrypt", c.name, mbPerSec)
		if missing(ours, ssl) {
			out = append(out, skipRow(path, "≥ 0.8×"))
			continue
		}
		out = append(out, bench.Row{
			Path: path, Ours: fmt.Sprintf("%.0f MB/s", ours), Baseline: sslStr,
			Ratio: fmt.Sprintf("%.2f×", ours/ssl), Target: "≥ 0.8×", Status: bench.Verdict(ours/ssl >= 0.8),
		})
		if proc := r.goMedian("segcrypt", c.proc, mbPerSec); !missing(proc) {
			out = append(out, bench.Row{
				Path: "  same vs `openssl enc` process per segment", Ours: fmt.Sprintf("%.0f MB/s", ours),
				Baseline: fmt.Sprintf("openssl enc, 2 MB file: %.0f MB/s", proc),
				Ratio:    fmt.Sprintf("%.2f×", ours/proc), Status: bench.Info,
			})
		}
	}
	return out
}

func rewriteRows(r *run) []bench.Row {
	const path, target = "rewrite 10 000-segment playlist", "≤ 1×"
	var out []bench.Row
	for _, c := range []struct {
		path, stem, ours, base string
		gate                   bool
	}{
		// The target applies to what hls_proxy runs (delivery, on the
		// allocation-free AppendURI path) and to that playlist API; the MapURI
		// row measures a callback that allocates two strings per URI itself.
		{path + ": delivery rewrite, tokenized URIs (what hls_proxy runs)", "delivery", "DeliveryRewrite10kTokenized", "GrafovDecode10k", true},
		{"  playlist.Rewrite, AppendURI callback (allocation-free API)", "playlist", "RewriteAppendURI10kSegments", "GrafovDecode10kSegments", true},
		{"  playlist.Rewrite, MapURI callback (string per URI)", "playlist", "Rewrite10kSegments", "GrafovDecode10kSegments", false},
	} {
		ours := r.goMedian(c.stem, c.ours, nsPerOp)
		base := r.goMedian(c.stem, c.base, nsPerOp)
		if missing(ours, base) {
			out = append(out, skipRow(c.path, target))
			continue
		}
		row := bench.Row{
			Path:     c.path,
			Ours:     fmt.Sprintf("%.2f ms/op, %.0f allocs", ours/1e6, r.goMax(c.stem, c.ours, allocs)),
			Baseline: fmt.Sprintf("grafov/m3u8 decode: %.2f ms/op, %.0f allocs", base/1e6, r.goMax(c.stem, c.base, allocs)),
			Ratio:    fmt.Sprintf("%.2f×", ours/base), Target: target, Status: bench.Verdict(ours/base <= 1),
		}
		if !c.gate {
			row.Target, row.Status = "", bench.Info
		}
		out = append(out, row)
	}
	return out
}

func memoryRows(r *run) []bench.Row {
	const target = "< 32 MiB RSS growth"
	growth := func(label string) (float64, bool) {
		b, a := r.median("rss", label+".hwm_before_kb"), r.median("rss", label+".hwm_after_kb")
		if missing(b, a) {
			return 0, false
		}
		return (a - b) / 1024, true
	}
	baseStr := "—"
	if g, ok := growth("baseline"); ok {
		baseStr = fmt.Sprintf("reverse_proxy: +%.1f MiB peak RSS, %.0f MB/s, %.2f s CPU", g,
			r.median("rss", "baseline.speed_Bps")/1e6, r.median("rss", "baseline.cpu_ms")/1000)
	}
	var out []bench.Row
	for _, c := range []struct{ path, label string }{
		{"stream a 1 GiB object (edgeauth + hls_proxy, HTTP origin)", "ours"},
		{"  same over S3 (versitygw)", "s3"},
	} {
		g, ok := growth(c.label)
		if !ok {
			out = append(out, skipRow(c.path, target))
			continue
		}
		path := c.path
		st := bench.Verdict(g < 32)
		if s := r.strs["rss"][c.label+".status"]; s != "200 1073741824" {
			path += " (transfer: " + s + ")"
			st = bench.Miss
		}
		speed := r.median("rss", c.label+".speed_Bps")
		out = append(out, bench.Row{
			Path: path,
			Ours: fmt.Sprintf("+%.1f MiB peak RSS (%.0f → %.0f MiB), %.0f MB/s, %.2f s CPU", g,
				r.median("rss", c.label+".hwm_before_kb")/1024, r.median("rss", c.label+".hwm_after_kb")/1024,
				speed/1e6, r.median("rss", c.label+".cpu_ms")/1000),
			Baseline: baseStr, Target: target, Status: st,
		})
	}
	return out
}

func concurrencyRows(r *run) []bench.Row {
	const path, target = "1 000 concurrent segment streams", "p99 added latency < 1 ms"
	type agg struct {
		ttfb, total, rps float64
		req, errs, conc  int
		period           float64
		firstErr         string
	}
	pick := func(label string) (agg, bool) {
		var a agg
		var ttfb, total, rps []float64
		for _, l := range r.load {
			if l.Label != label {
				continue
			}
			ttfb, total, rps = append(ttfb, l.TTFBP99ms), append(total, l.TotalP99ms), append(rps, l.RPS)
			a.req += l.Requests
			a.errs += l.Errors
			a.conc, a.period = l.Conc, l.PeriodS
			if a.firstErr == "" {
				a.firstErr = l.FirstErr
			}
		}
		a.ttfb, a.total, a.rps = bench.Median(ttfb), bench.Median(total), bench.Median(rps)
		return a, len(rps) > 0
	}
	o, ok1 := pick("ours")
	b, ok2 := pick("baseline")
	if !ok1 || !ok2 {
		return []bench.Row{skipRow(path, target)}
	}
	p := fmt.Sprintf("%s (c=%d, each one 2 MB GET every %.0f s): p99 time to response headers", path, o.conc, o.period)
	st := bench.Verdict(o.ttfb-b.ttfb < 1)
	if o.errs+b.errs > 0 {
		p += fmt.Sprintf(" (errors: ours %d %s, baseline %d %s)", o.errs, o.firstErr, b.errs, b.firstErr)
		st = bench.Miss
	}
	out := []bench.Row{
		{Path: p,
			Ours:     fmt.Sprintf("%.2f ms (%d requests)", o.ttfb, o.req),
			Baseline: fmt.Sprintf("reverse_proxy: %.2f ms (%d requests)", b.ttfb, b.req),
			Ratio:    fmt.Sprintf("%+.2f ms", o.ttfb-b.ttfb), Target: target, Status: st},
		{Path: "  same, p99 full 2 MB transfer time",
			Ours:     fmt.Sprintf("%.2f ms", o.total),
			Baseline: fmt.Sprintf("reverse_proxy: %.2f ms", b.total),
			Ratio:    fmt.Sprintf("%+.2f ms", o.total-b.total), Status: bench.Info},
	}
	so, ok1 := pick("sat-ours")
	sb, ok2 := pick("sat-baseline")
	if ok1 && ok2 {
		errs := ""
		if so.errs+sb.errs > 0 {
			errs = fmt.Sprintf(" (errors: ours %d %s, baseline %d %s)", so.errs, so.firstErr, sb.errs, sb.firstErr)
		}
		peak := func(label string) string {
			a, b := r.median("rss", label+".hwm_after_kb"), r.median("rss", label+".hwm_before_kb")
			if missing(a, b) {
				return ""
			}
			return fmt.Sprintf(", peak RSS %.0f MiB (+%.0f)", a/1024, (a-b)/1024)
		}
		out = append(out, bench.Row{
			Path:     fmt.Sprintf("  saturated: %d streams back to back%s; req/s, p99 time to headers, proxy peak RSS", so.conc, errs),
			Ours:     fmt.Sprintf("%.0f req/s, %.0f ms%s", so.rps, so.ttfb, peak("sat-ours")),
			Baseline: fmt.Sprintf("reverse_proxy: %.0f req/s, %.0f ms%s", sb.rps, sb.ttfb, peak("sat-baseline")),
			Ratio:    fmt.Sprintf("%.2f× req/s", so.rps/sb.rps), Status: bench.Info,
		})
	}
	return out
}

func originRows(r *run) []bench.Row {
	base := r.goMedian("origin", "Fetch2MiB/nethttp-fileserver-baseline", nsPerOp)
	var out []bench.Row
	for _, c := range []struct{ path, name string }{
		{"origin Pool.Fetch 2 MiB, HTTP origin (in process)", "Fetch2MiB/pool-http-fileserver"},
		{"  Pool.Fetch 2 MiB over S3 (versitygw)", "Fetch2MiB/pool-s3-versitygw"},
	} {
		ours := r.goMedian("origin", c.name, nsPerOp)
		if missing(ours, base) {
			continue
		}
		out = append(out, bench.Row{
			Path: c.path, Ours: fmt.Sprintf("%.2f ms/op", ours/1e6),
			Baseline: fmt.Sprintf("net/http GET: %.2f ms/op", base/1e6),
			Ratio:    fmt.Sprintf("%.2f× time", ours/base), Status: bench.Info,
		})
	}
	return out
}

// copyRows: the body-copy diagnostic (bench.BenchmarkCopyToIdleTimeoutWriter).
func copyRows(r *run) []bench.Row {
	rf := r.goMedian("copy", "CopyToIdleTimeoutWriter/readfrom", mbPerSec)
	wr := r.goMedian("copy", "CopyToIdleTimeoutWriter/write", mbPerSec)
	if missing(rf, wr) {
		return nil
	}
	bop := func(name string) float64 {
		return r.goMedian("copy", name, func(x bench.Result) float64 { return x.BytesPerOp })
	}
	return []bench.Row{{
		Path: "diagnostic: 64 MiB body into Caddy's IdleTimeoutWriter, io.CopyBuffer(w, …) (the ReadFrom path, which hls_proxy's stream() now avoids)",
		Ours: fmt.Sprintf("%.0f MB/s, %.1f MiB garbage", rf, bop("CopyToIdleTimeoutWriter/readfrom")/(1<<20)),
		Baseline: fmt.Sprintf("Write path (as reverse_proxy): %.0f MB/s, %.2f MiB garbage", wr,
			bop("CopyToIdleTimeoutWriter/write")/(1<<20)),
		Ratio: fmt.Sprintf("%.2f×", rf/wr), Status: bench.Info,
	}}
}

func sum(vs []float64) float64 {
	s := 0.0
	for _, v := range vs {
		s += v
	}
	return s
}
