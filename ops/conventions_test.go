package ops

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// configuredLabels hold values an operator configured, bounded by the
// configuration, never by requests: the origin's display name (a URL with
// the origin's prefix), Caddy's server name, and Caddy's admin API route.
var configuredLabels = map[string]bool{"origin": true, "server": true, "handler": true, "path": true, "module": true}

// snakeValue is what a label value that no operator configured must look
// like: a bounded enumeration (reason, kind, outcome, event, code, method).
var snakeValue = regexp.MustCompile(`^[A-Za-z0-9_.+-]*$`)

// badUnits are suffixes of non-base units (Prometheus naming: seconds,
// bytes, ratios as 0..1).
var badUnits = []string{"_milliseconds", "_ms", "_microseconds", "_us", "_nanoseconds", "_minutes", "_hours",
	"_kilobytes", "_kb", "_megabytes", "_mb", "_bits", "_percent"}

// upstreamNames are families of Caddy's dependencies that break a naming
// rule; they are not ours to rename, and a new one still fails the test.
var upstreamNames = map[string]string{
	"go_gc_gogc_percent": "Go runtime metrics (client_golang's collector): GOGC as a percentage",
}

// checkSeriesConventions checks every series Prometheus scraped from the
// fleet: counters end in _total, units are base units, timing histograms
// end in _seconds; no label value is a path, a token or an asset name of
// the traffic, and no label has as many values as the distinct probes sent.
func checkSeriesConventions(t *testing.T, p *promServer, s *stack, tr traffic) {
	t.Helper()
	for _, admin := range s.admins {
		text := scrapeAdmin(t, admin)
		for name, typ := range metricTypes(text) {
			if _, ok := upstreamNames[name]; !ok {
				checkName(t, name, typ)
			}
		}
	}
	series, err := p.series()
	if err != nil {
		t.Fatal(err)
	}
	forbidden := []string{"zebra-", "/hls/", "/pub/", ".m3u8", ".ts", "__token__", "hmac=", "exp="}
	for _, tok := range append(tr.tokens, s.liveTokens...) {
		if i := strings.LastIndex(tok, "hmac="); i >= 0 {
			forbidden = append(forbidden, tok[i+len("hmac="):])
		}
	}
	values := map[string]map[string]bool{} // label -> values (mediagate_ series)
	seen := map[string]bool{}
	for _, ls := range series {
		name := ls["__name__"]
		if want, ok := boundedSeries[name]; ok {
			seen[name] = true
			checkLabelNames(t, name, ls, want)
		}
		for l, v := range ls {
			if l == "__name__" || l == "instance" || l == "job" {
				continue
			}
			for _, f := range forbidden {
				if strings.Contains(v, f) {
					t.Errorf("%s: label %s=%q holds %q from a request (a path, token or asset)", name, l, v, f)
				}
			}
			if !strings.HasPrefix(name, "mediagate_") || l == "le" {
				continue
			}
			if !configuredLabels[l] && !snakeValue.MatchString(v) {
				t.Errorf("%s: label %s=%q is not an enumeration value", name, l, v)
			}
			if values[l] == nil {
				values[l] = map[string]bool{}
			}
			values[l][v] = true
		}
	}
	var summary []string
	for l, vs := range values {
		summary = append(summary, fmt.Sprintf("%s:%d", l, len(vs)))
		if len(vs) >= cardinalityProbes {
			t.Errorf("label %s has %d values after %d distinct probes: unbounded", l, len(vs), cardinalityProbes)
		}
	}
	for name := range boundedSeries {
		if !seen[name] {
			t.Errorf("%s was not scraped from the fleet", name)
		}
	}
	sort.Strings(summary)
	t.Logf("%d series scraped; distinct values per mediagate label: %s", len(series), strings.Join(summary, " "))
}

// boundedSeries are the object cache and held-reload series with the only
// labels each may carry (besides job and instance): a playlist, segment or
// token would be one more label, or a value of these, and fails.
var boundedSeries = map[string][]string{
	"mediagate_hls_proxy_object_fetches_total":         {"result"},
	"mediagate_hls_proxy_origin_requests_total":        {"kind"},
	"mediagate_hls_proxy_object_cache_bytes":           nil,
	"mediagate_hls_proxy_object_cache_capacity_bytes":  nil,
	"mediagate_hls_proxy_object_cache_evictions_total": nil,
	"mediagate_hls_proxy_origin_waiters_refused_total": nil,
	"mediagate_hls_proxy_held_requests":                nil,
	"mediagate_hls_proxy_playlist_pollers":             nil,
	"mediagate_hls_proxy_blocking_reloads_total":       {"outcome"},
}

// checkLabelNames fails unless series ls of name carries exactly the labels want.
func checkLabelNames(t *testing.T, name string, ls map[string]string, want []string) {
	t.Helper()
	var got []string
	for l := range ls {
		if l != "__name__" && l != "job" && l != "instance" {
			got = append(got, l)
		}
	}
	sort.Strings(got)
	if !slices.Equal(got, want) {
		t.Errorf("%s carries labels %v, want exactly %v", name, got, want)
	}
}

// checkName applies Prometheus's naming conventions to one metric family.
func checkName(t *testing.T, name, typ string) {
	t.Helper()
	if typ == "counter" && !strings.HasSuffix(name, "_total") {
		t.Errorf("counter %s does not end in _total", name)
	}
	if typ != "counter" && strings.HasSuffix(name, "_total") && strings.HasPrefix(name, "mediagate_") {
		t.Errorf("%s %s ends in _total but is no counter", typ, name)
	}
	base := strings.TrimSuffix(name, "_total")
	for _, u := range badUnits {
		if strings.HasSuffix(base, u) || strings.Contains(base, u+"_") {
			t.Errorf("%s: unit %s is not a base unit (seconds, bytes)", name, u)
		}
	}
	timing := strings.Contains(name, "duration") || strings.Contains(name, "latency") || strings.Contains(name, "response_time")
	if (typ == "histogram" || typ == "summary") && timing && !strings.HasSuffix(name, "_seconds") {
		t.Errorf("%s %s measures time but does not end in _seconds", typ, name)
	}
	if strings.HasPrefix(name, "mediagate_") && typ == "histogram" && !strings.HasSuffix(name, "_seconds") && !strings.HasSuffix(name, "_bytes") {
		t.Errorf("histogram %s names no base unit (_seconds, _bytes)", name)
	}
}

// scrapeAdmin reads one instance's admin /metrics exposition.
func scrapeAdmin(t *testing.T, admin int) string {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", admin))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// metricName finds the series names a PromQL expression selects (ours and
// Caddy's; `up` is Prometheus's own).
var metricName = regexp.MustCompile(`\b(?:mediagate|caddy)_[a-z0-9_]+\b`)

// checkNamedSeriesWereScraped: every series the alert rules and the
// dashboard's panels name was scraped from the fleet, and every panel's
// query answers something when Prometheus evaluates it.
func checkNamedSeriesWereScraped(t *testing.T, p *promServer) {
	t.Helper()
	var names []string
	if err := p.apiGet("/api/v1/label/__name__/values", url.Values{"match[]": {`{job="mediagate"}`}}, &names); err != nil {
		t.Fatal(err)
	}
	var rules ruleGroups
	readYAML(t, rulesFile, &rules)
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			for _, n := range metricName.FindAllString(r.Expr, -1) {
				if !slices.Contains(names, n) {
					t.Errorf("alert %s names %s, which the fleet does not export", r.Alert, n)
				}
			}
		}
	}
	for _, panel := range readDashboard(t).queries() {
		for _, n := range metricName.FindAllString(panel.Expr, -1) {
			if !slices.Contains(names, n) {
				t.Errorf("dashboard panel %q names %s, which the fleet does not export", panel.Title, n)
			}
		}
		q := panel.instantExpr()
		res, err := p.query(q)
		switch {
		case err != nil:
			t.Errorf("dashboard panel %q: %v", panel.Title, err)
		case len(res) == 0:
			t.Errorf("dashboard panel %q: %s answers nothing over the fleet's traffic", panel.Title, q)
		default:
			t.Logf("panel %q: %d series", panel.Title, len(res))
		}
	}
}
