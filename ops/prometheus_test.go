package ops

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// traffic is what the test drove through the fleet, to compare with what
// Prometheus answers.
type traffic struct {
	views   int
	denials map[string]int // edgeauth reason -> denials
	tokens  []string       // every token sent: none may be a label value
	damDown int            // tokenless /pub requests while the DAM was down
	popular int            // views of the repeated streams (cache_test.go)
	// origin requests per view of a new stream, on its first views and on the next
	coldPerView, warmPerView float64
}

// TestPrometheusAnswersWhatAnOperatorAsksOfAFleet runs a real Prometheus
// scraping two real bin/caddy instances (admin /metrics, every second),
// drives views, denials for several reasons, an origin failover, an outage of
// every replica and a DAM outage through them, and asks Prometheus's HTTP API
// what an operator would. It then checks the series against the conventions
// (_total, base units, bounded labels that never hold a path, token or asset)
// and that every series the alert rules and the dashboard name was scraped.
func TestPrometheusAnswersWhatAnOperatorAsksOfAFleet(t *testing.T) {
	start := time.Now()
	s := startStack(t, 2)
	p := startPrometheus(t, s.admins)
	p.waitFor("both instances scraped", `sum(up{job="mediagate"})`, 15*time.Second,
		func(m map[string]float64) bool { return m[""] == 2 })

	// The bursts first, while no held reload has a poller reading the
	// live playlist: a poller's reads are origin requests too.
	tr := traffic{denials: map[string]int{}}
	driveBurst(t, s, p, &tr)
	live := startHeldTimeout(t, s)
	driveTraffic(t, s, p, &tr)
	driveHeld(t, s, p, live)
	p.waitFor("the last views scraped", `sum(mediagate_edgeauth_session_cookies_minted_total{job="mediagate"})`, 10*time.Second,
		func(m map[string]float64) bool { return m[""] == float64(tr.views) })
	p.waitFor("the DAM outage scraped", `sum(mediagate_hls_proxy_asset_rule_failures_total{job="mediagate"})`, 10*time.Second,
		func(m map[string]float64) bool { return m[""] >= float64(tr.damDown) })
	time.Sleep(1500 * time.Millisecond) // one more scrape of everything

	checkOperatorAnswers(t, p, s, tr)
	checkCacheAnswers(t, p, tr)
	checkHeldAnswers(t, p, live)
	checkAlertsPending(t, p)
	checkSeriesConventions(t, p, s, tr)
	checkNamedSeriesWereScraped(t, p)
	t.Logf("%d requests through the fleet; test ran %s", s.requests.Load(), time.Since(start).Round(100*time.Millisecond))
}

// driveTraffic plays views on both instances, sends denied requests for
// four reasons, takes replica a down (failover to b), then both (502), then
// the DAM (fail closed), and probes with many distinct paths and tokens. It
// runs in two rounds with a scrape before, between and after, as traffic
// spread over time is: a counter born at its final value has no rate.
func driveTraffic(t *testing.T, s *stack, p *promServer, tr *traffic) {
	for round := range 2 {
		driveRound(t, s, tr, round)
		p.nextScrape()
	}
}

// driveRound is one round of driveTraffic's traffic; stream names carry
// the round so every view fetches from the origins.
func driveRound(t *testing.T, s *stack, tr *traffic, round int) {
	t.Helper()
	for i := range 2 {
		s.view(i, fmt.Sprintf("zebra-view-%d-%d", round, i))
		tr.views++
	}
	drivePopular(s, tr)
	other := testutil.RandomHex(t, 32)
	deny := func(reason, target string, tok string) {
		t.Helper()
		if tok != "" {
			tr.tokens = append(tr.tokens, tok)
			target += "?__token__=" + tok
		}
		for i := range 2 {
			if st, _ := s.get(i, target, ""); st != http.StatusForbidden && st != http.StatusUnauthorized {
				t.Fatalf("%s: GET %.60s: %d, want 401 or 403", reason, target, st)
			}
			tr.denials[reason]++
		}
	}
	deny(edgetoken.ReasonMissing, "/hls/zebra-view-0/v0.m3u8", "")
	deny(edgetoken.ReasonBadHMAC, "/hls/zebra-view-0/v0.m3u8", s.token(other, "zebra-view-0", time.Minute))
	deny(edgetoken.ReasonACLMismatch, "/hls/zebra-view-0/v0.m3u8", s.token(s.key, "zebra-elsewhere", time.Minute))
	expired := testutil.MintToken(t, s.key, edgetoken.Options{ACLs: []string{"/hls/zebra-view-0/*"}, Window: time.Minute, Now: time.Now().Add(-time.Hour)})
	deny(edgetoken.ReasonExpired, "/hls/zebra-view-0/v0.m3u8", expired)

	// Failover: a answers 503, b serves every view.
	s.a.down.Store(true)
	for i := range failoverViews {
		s.view(i, fmt.Sprintf("zebra-failover-%d-%d", round, i))
		tr.views++
	}
	// Every replica down: the request itself fails (502).
	s.b.down.Store(true)
	for i := range outageRequests {
		s.expect(i, fmt.Sprintf("/pub/zebra-outage-%d-%d/v0_0.ts", round, i), http.StatusBadGateway)
	}
	s.a.down.Store(false)
	s.b.down.Store(false)

	// The DAM: public assets play without a token; while it is down they
	// are protected (403), and so is a locked one whatever the DAM says.
	s.expect(0, fmt.Sprintf("/pub/zebra-open-%d/master.m3u8", round), http.StatusOK)
	s.expect(1, fmt.Sprintf("/pub/zebra-x-%d-locked/master.m3u8", round), http.StatusForbidden)
	s.dam.down.Store(true)
	for i := range damOutageRequests {
		s.expect(i, fmt.Sprintf("/pub/zebra-open-%d-%d/master.m3u8", round, i), http.StatusForbidden)
		tr.damDown++
	}
	s.dam.down.Store(false)

	// Probes: many distinct paths and tokens must not grow any label.
	for i := range cardinalityProbes / 2 {
		stream := fmt.Sprintf("zebra-probe-%s", testutil.RandomHex(t, 6))
		tok := fmt.Sprintf("exp=%d~acl=/hls/%s/*~hmac=%s", time.Now().Add(time.Hour).Unix(), stream, testutil.RandomHex(t, 32))
		tr.tokens = append(tr.tokens, tok)
		if st, _ := s.get(i, "/hls/"+stream+"/v0.m3u8?__token__="+tok, ""); st != http.StatusForbidden && st != http.StatusUnauthorized {
			t.Fatalf("probe %s: %d, want 401 or 403", stream, st)
		}
		tr.denials[edgetoken.ReasonBadHMAC]++
	}
}

// A round's outages: views while replica a is down, requests while every
// replica is down, tokenless requests for distinct public assets while the
// DAM is down. Each is enough for its alert's rate over 5 minutes to pass
// the threshold (twice over) within the test's seconds.
const (
	failoverViews     = 6
	outageRequests    = 16
	damOutageRequests = 30
)

// cardinalityProbes is how many distinct paths and tokens the probes send;
// no label may have this many values.
const cardinalityProbes = 20

// checkOperatorAnswers asks what an operator asks and compares it with the
// traffic the test drove.
func checkOperatorAnswers(t *testing.T, p *promServer, s *stack, tr traffic) {
	t.Helper()
	views := p.answer(`sum(rate(mediagate_edgeauth_session_cookies_minted_total{job="mediagate"}[1m]))`)
	if views[""] <= 0 {
		t.Errorf("views per second: %v, want > 0", views)
	}
	perInstance := p.answer(`sum by (instance) (mediagate_edgeauth_session_cookies_minted_total{job="mediagate"})`, "instance")
	if len(perInstance) != 2 {
		t.Errorf("views by instance: %v, want both instances", perInstance)
	}
	p.answer(`sum by (kind, outcome) (rate(mediagate_hls_proxy_requests_total{job="mediagate"}[1m]))`, "kind", "outcome")

	denials := p.answer(`sum by (reason) (mediagate_edgeauth_requests_total{job="mediagate",outcome="denied"})`, "reason")
	for reason, n := range tr.denials {
		if denials[reason] != float64(n) {
			t.Errorf("denials{reason=%q}: Prometheus says %g, the test sent %d", reason, denials[reason], n)
		}
	}
	if len(denials) != len(tr.denials) {
		t.Errorf("denial reasons %v, want exactly %v", denials, tr.denials)
	}
	p.answer(`sum by (reason) (rate(mediagate_edgeauth_requests_total{job="mediagate",outcome="denied"}[1m]))`, "reason")
	proxy := p.answer(`sum by (reason) (mediagate_hls_proxy_denials_total{job="mediagate"})`, "reason")
	if proxy["asset_protected"] != float64(2+tr.damDown) {
		t.Errorf("hls_proxy denials{reason=asset_protected}: %g, want %d (a locked asset a round and the DAM outage)", proxy["asset_protected"], 2+tr.damDown)
	}

	a, b := s.a.srv.URL+"/media", s.b.srv.URL+"/media"
	events := p.answer(`sum by (origin, event) (mediagate_hls_proxy_origin_events_total{job="mediagate"})`, "origin", "event")
	if events[a+",failure"] < 2 {
		t.Errorf("origin failures of replica a: %g, want ≥ 2 (one per instance at least)", events[a+",failure"])
	}
	if events[b+",failure"] < 2 {
		t.Errorf("origin failures of replica b: %g, want ≥ 2 (the outage of every replica)", events[b+",failure"])
	}
	served := p.answer(`sum by (origin) (mediagate_hls_proxy_origin_response_seconds_count{job="mediagate"})`, "origin")
	if served[b] < 2*5*failoverViews {
		t.Errorf("responses served by replica b: %g, want ≥ %d (it carried the failover views)", served[b], 2*5*failoverViews)
	}
	p.answer(`histogram_quantile(0.95, sum by (origin, le) (rate(mediagate_hls_proxy_origin_response_seconds_bucket{job="mediagate"}[1m])))`, "origin")
	failed := p.answer(`sum by (outcome) (mediagate_hls_proxy_requests_total{job="mediagate",outcome=~"origin_.*"})`, "outcome")
	if failed["origin_unavailable"] != 2*outageRequests || len(failed) != 1 {
		t.Errorf("requests failed because no replica answered: %v, want origin_unavailable %d", failed, 2*outageRequests)
	}

	dam := p.answer(`sum by (reason) (mediagate_hls_proxy_asset_rule_failures_total{job="mediagate"})`, "reason")
	if dam["status"] != float64(tr.damDown) || len(dam) != 1 {
		t.Errorf("DAM rule failures: %v, want status %d (its 503s) and nothing else", dam, tr.damDown)
	}
	p.answer(`sum by (result, protected) (mediagate_hls_proxy_asset_rule_lookups_total{job="mediagate"})`, "result", "protected")
}

// checkAlertsPending: the rules Prometheus loaded evaluate without error,
// and the alerts for the outages the test caused are pending (their `for`
// is minutes; pending proves the expression matched the real series).
func checkAlertsPending(t *testing.T, p *promServer) {
	t.Helper()
	var rules struct {
		Groups []struct {
			Rules []struct {
				Name      string `json:"name"`
				Health    string `json:"health"`
				LastError string `json:"lastError"`
			} `json:"rules"`
		} `json:"groups"`
	}
	if err := p.apiGet("/api/v1/rules", nil, &rules); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			n++
			if r.Health == "err" {
				t.Errorf("rule %s fails to evaluate: %s", r.Name, r.LastError)
			}
		}
	}
	if n == 0 {
		t.Error("Prometheus loaded no rules")
	}
	// Exactly these: the outages the test caused, and nothing it did not
	// (no instance down, no reload failed, no key roll, no denial spike at
	// these rates).
	want := []string{"MediagateAllOriginsFailing", "MediagateAssetRuleFailingClosed", "MediagateHeldReloadsTimingOut", "MediagateOriginReplicaDown"}
	p.waitFor("alerts pending", `count by (alertname) (ALERTS{alertstate=~"pending|firing"})`, 5*time.Second,
		func(m map[string]float64) bool { return len(m) >= len(want) }, "alertname")
	got := p.answer(`ALERTS`, "alertname", "alertstate", "origin", "reason")
	names := map[string]bool{}
	for k := range got {
		names[strings.Split(k, ",")[0]] = true
	}
	var pending []string
	for k := range names {
		pending = append(pending, k)
	}
	sort.Strings(pending)
	if !slices.Equal(pending, want) {
		t.Errorf("alerts pending %v, want exactly %v", pending, want)
	}
	t.Logf("%d rules loaded and evaluated without error", n)
}
