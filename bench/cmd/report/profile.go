package main

import (
	"bufio"
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"
)

// A profile is one `go tool pprof -top` of Caddy during a wrk run of a headline row
// (profile-https-<size>-<variant>.txt), with that run's request count.
type profile struct {
	size, variant string
	top           string                   // the table, without pprof's header lines
	flat          map[string]time.Duration // per bucket (profileBuckets), summed flat time
	total         time.Duration
	requests      float64
}

// profileBuckets sort a profile's flat time by what it is spent on; the first match wins,
// anything else is "other".
var profileBuckets = []struct {
	name  string
	match []string
}{
	{"syscalls (socket reads and writes, epoll)", []string{"syscall", "Syscall"}},
	{"TLS record encryption (AES-GCM)", []string{"aes/gcm", "gcmAes", "ghash"}},
	{"AES-128-CBC (aescbc)", []string{"aescbc."}},
	{"memmove, memclr", []string{"runtime.memmove", "runtime.memclr"}},
	{"GC and allocation", []string{"runtime.gc", "runtime.scan", "runtime.mallocgc", "runtime.greyobject",
		"runtime.findObject", "runtime.heapBits", "runtime.(*mspan)", "runtime.(*mheap)", "runtime.nextFree",
		"runtime.markBits", "runtime.wbBuf", "runtime.sweep", "runtime.bgsweep", "runtime.(*gcWork)", "runtime.typePointers"}},
	{"scheduler, futex, timers", []string{"runtime.futex", "runtime.schedule", "runtime.findRunnable", "runtime.usleep",
		"runtime.netpoll", "runtime.stealWork", "runtime.procyield", "runtime.osyield", "runtime.nanotime",
		"runtime.selectgo", "runtime.lock", "runtime.unlock", "runtime.(*timers)", "runtime.runqgrab", "runtime.casgstatus"}},
}

const otherBucket = "other"

// parseProfile reads a pprof -top text: each row's flat time goes to its bucket.
func parseProfile(text string) (top string, flat map[string]time.Duration, total time.Duration) {
	flat = map[string]time.Duration{}
	if i := strings.Index(text, "      flat"); i >= 0 {
		top = text[i:]
	}
	sc := bufio.NewScanner(strings.NewReader(top))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 6 || !strings.HasSuffix(f[1], "%") {
			continue
		}
		d, err := time.ParseDuration(f[0])
		if err != nil {
			continue
		}
		fn := strings.Join(f[5:], " ")
		flat[bucketOf(fn)] += d
		total += d
	}
	return top, flat, total
}

func bucketOf(fn string) string {
	for _, b := range profileBuckets {
		for _, m := range b.match {
			if strings.Contains(fn, m) {
				return b.name
			}
		}
	}
	return otherBucket
}

// headLines keeps the first n lines of s (the header and the top functions).
func headLines(s string, n int) string {
	lines := strings.SplitAfter(s, "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "")
}

// writeProfiles adds the profiles bench-https.sh took (rows that missed, BENCH_PROFILE): per
// size, CPU per request by bucket for reverse_proxy and each profiled row, then each row's
// top functions. The difference from reverse_proxy is what a row pays on top of a proxy.
func writeProfiles(w *bytes.Buffer, r *run) {
	if len(r.profiles) == 0 {
		return
	}
	w.WriteString("\n## Where the proxy's CPU goes (rows profiled by BENCH_PROFILE)\n\n")
	w.WriteString("A CPU profile of Caddy during one more wrk run of each row that missed its target (and of " +
		"reverse_proxy at its size), after the measured rounds; flat time per request (profile time / requests " +
		"of that run), by what it is spent on.\n")
	for _, sz := range httpsSizes {
		var ps []*profile
		for _, p := range r.profiles {
			if p.size == sz.label {
				ps = append(ps, p)
			}
		}
		if len(ps) == 0 {
			continue
		}
		slices.SortFunc(ps, func(a, b *profile) int { return variantOrder(a.variant) - variantOrder(b.variant) })
		fmt.Fprintf(w, "\n### %s segments: ms of CPU per request\n\n| spent on |", sz.name)
		for _, p := range ps {
			fmt.Fprintf(w, " %s |", variantName(p.variant))
		}
		w.WriteString("\n|---|" + strings.Repeat("---|", len(ps)) + "\n")
		names := []string{}
		for _, b := range profileBuckets {
			names = append(names, b.name)
		}
		for _, name := range append(names, otherBucket, "total") {
			fmt.Fprintf(w, "| %s |", name)
			for _, p := range ps {
				d := p.flat[name]
				if name == "total" {
					d = p.total
				}
				if p.requests > 0 {
					fmt.Fprintf(w, " %.3f |", float64(d)/float64(time.Millisecond)/p.requests)
				} else {
					w.WriteString(" — |")
				}
			}
			w.WriteString("\n")
		}
		for _, p := range ps {
			fmt.Fprintf(w, "\n%s, %s (%.0f requests in the profiled run), top functions:\n\n```\n%s```\n",
				sz.name, variantName(p.variant), p.requests, headLines(p.top, 15))
		}
	}
}

func variantName(v string) string {
	switch {
	case v == "baseline":
		return "reverse_proxy"
	case strings.HasPrefix(v, "hot-"):
		return strings.TrimPrefix(v, "hot-") + " hot"
	}
	return v
}

func variantOrder(v string) int {
	if v == "baseline" {
		return 0
	}
	for i, m := range httpsModes {
		switch v {
		case m.mode:
			return 1 + i
		case "hot-" + m.mode:
			return 1 + len(httpsModes) + i
		}
	}
	return 100
}
