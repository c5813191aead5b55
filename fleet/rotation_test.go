package fleet

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/hlsproxy/segcrypt"
)

// The roll both tests follow, one `caddy reload` per instance and step:
//
//	1. add:     every instance [old, new] — new opens/verifies, nothing uses it yet
//	2. promote: every instance [new, old] — new seals/signs, old still opens/verifies
//	3. drop:    every instance [new]      — once the views started before 2 ended
//
// An instance never meets a context, key URI or cookie made with a secret it
// does not hold, whichever instance the balancer picks.

func TestKeySecretRollsAcrossTheFleetWithoutBreakingAView(t *testing.T) {
	f := startFleet(t, 2, secrets{Edge: []string{"old"}, HLS: []string{"old"}})
	edge := []string{"old"}
	l := startLoad(t, f, "encrypt", "clear", "old", 4)
	start := time.Now()
	var steps []string
	step := func(name string, hls []string, instances ...string) {
		f.reload(secrets{Edge: edge, HLS: hls}, instances...)
		steps = append(steps, name+" "+strings.Join(instances, ",")+" "+strings.Join(hls, ","))
	}

	p1 := newPlayer(t) // V1 starts before the roll and ends during it
	p1.beforeSegment = func(n int) {
		switch n {
		case 1:
			step("add", []string{"old", "new"}, f.all()...)
		case 4:
			step("promote", []string{"new", "old"}, "c1")
		case 5:
			step("promote", []string{"new", "old"}, "c2")
		}
	}
	v1 := p1.play(f.front["encrypt"], "clear", f.token("old", "clear"), 2)
	if err := sameSegments(v1.plain, sourcePlain(t, "clear")); err != nil {
		t.Fatalf("V1, started before the roll: %v", err)
	}
	p2 := newPlayer(t) // V2 starts after the promotion
	v2 := p2.play(f.front["encrypt"], "clear", f.token("old", "clear"), 2)
	if err := sameSegments(v2.plain, sourcePlain(t, "clear")); err != nil {
		t.Fatalf("V2, started after the promotion: %v", err)
	}
	l.drain()
	step("drop", []string{"new"}, f.all()...)
	views, requests, failures := l.stopLoad()

	oldID, newID := f.secretID(t, "hls-old"), f.secretID(t, "hls-new")
	checkKeyIDs(t, "V1", p1, oldID)
	checkKeyIDs(t, "V2", p2, newID)
	// Once old is dropped, V1's keys and segments are gone and V2's stay:
	// V1 ran on old alone, V2 on new alone.
	replay(t, "V1 after the drop", p1, func(u string) int {
		if isKeyURL(u) {
			return http.StatusNotFound
		}
		if strings.Contains(u, "mgctx=") {
			return http.StatusForbidden
		}
		return http.StatusOK
	})
	replay(t, "V2 after the drop", p2, func(string) int { return http.StatusOK })
	checkFrames(t, f, "encrypt", "clear", "old")

	t.Logf("key_secret roll %q in %s; under load: %d views, %d requests, %d failed", steps, time.Since(start).Round(time.Millisecond), views, requests, len(failures))
	f.logRequests("key_secret roll")
	if len(failures) > 0 {
		t.Fatalf("%d requests failed during the reloads, e.g. %q", len(failures), failures[:min(5, len(failures))])
	}
	if views == 0 {
		t.Fatal("the load played no view")
	}
}

func TestEdgeAuthKeysRollAcrossTheFleetWithoutBreakingAView(t *testing.T) {
	f := startFleet(t, 2, secrets{Edge: []string{"old"}, HLS: []string{"old"}})
	hls := []string{"old"}

	// A staged roll that puts new first on one instance before the other
	// has it: old tokens still verify everywhere, but the cookie that
	// instance mints cannot be verified by the other. Hence "add" first.
	f.reload(secrets{Edge: []string{"new", "old"}, HLS: hls}, "c2")
	p := newPlayer(t)
	for range 2 {
		if _, inst := p.mustGet(f.front["encrypt"] + "/hls/clear/master.m3u8?__token__=" + f.token("old", "clear")); inst == "c2" {
			break
		}
	}
	status, _, inst := p.get(f.front["encrypt"] + "/hls/clear/v0.m3u8")
	if status != http.StatusForbidden || inst != "c1" {
		t.Fatalf("the cookie minted by c2 with [new, old] got %d from %s; want c1 (only [old]) to refuse it", status, inst)
	}
	f.reload(secrets{Edge: []string{"old"}, HLS: hls}, "c2")

	l := startLoad(t, f, "encrypt", "clear", "old", 4)
	start := time.Now()
	var steps []string
	step := func(name string, edge []string, instances ...string) {
		f.reload(secrets{Edge: edge, HLS: hls}, instances...)
		steps = append(steps, name+" "+strings.Join(instances, ",")+" "+strings.Join(edge, ","))
	}
	p1 := newPlayer(t) // V1: token and cookie signed with old
	var p2 *player
	p1.beforeSegment = func(n int) {
		switch n {
		case 1:
			step("add", []string{"old", "new"}, f.all()...)
		case 2:
			step("promote", []string{"new", "old"}, "c1") // c1 mints with new, c2 verifies it
		case 3:
			step("promote", []string{"new", "old"}, "c2")
			l.issuer.Store("new") // the issuer signs with new once every instance verifies it
		case 4:
			p2 = newPlayer(t) // V2: token and cookie signed with new
			v2 := p2.play(f.front["encrypt"], "clear", f.token("new", "clear"), 2)
			if err := sameSegments(v2.plain, sourcePlain(t, "clear")); err != nil {
				t.Fatalf("V2, started after the promotion: %v", err)
			}
		}
	}
	v1 := p1.play(f.front["encrypt"], "clear", f.token("old", "clear"), 2)
	if err := sameSegments(v1.plain, sourcePlain(t, "clear")); err != nil {
		t.Fatalf("V1, started before the roll: %v", err)
	}
	l.drain()
	step("drop", []string{"new"}, f.all()...)
	views, requests, failures := l.stopLoad()

	// Its query token and its cookie were signed with old.
	replay(t, "V1 after the drop", p1, func(string) int { return http.StatusForbidden })
	replay(t, "V2 after the drop", p2, func(string) int { return http.StatusOK })
	checkFrames(t, f, "encrypt", "clear", "new")

	t.Logf("EdgeAuth roll %q in %s; under load: %d views, %d requests, %d failed", steps, time.Since(start).Round(time.Millisecond), views, requests, len(failures))
	f.logRequests("EdgeAuth roll")
	if len(failures) > 0 {
		t.Fatalf("%d requests failed during the reloads, e.g. %q", len(failures), failures[:min(5, len(failures))])
	}
}

// secretID is the public id of a key_secret file's value.
func (f *fleet) secretID(t *testing.T, name string) string {
	b, err := os.ReadFile(filepath.Join(f.dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return segcrypt.SecretID(b)
}

// checkKeyIDs checks every derived key URI a player fetched names id.
func checkKeyIDs(t *testing.T, label string, p *player, id string) {
	t.Helper()
	n := 0
	for _, h := range p.hits {
		if isKeyURL(h.url) {
			n++
			if !strings.Contains(h.url, "mgkid="+id) {
				t.Errorf("%s fetched %s, want keys of secret %s", label, redact(h.url), id)
			}
		}
	}
	if n == 0 {
		t.Errorf("%s fetched no key", label)
	}
}

// isKeyURL says whether u is under the key path.
func isKeyURL(u string) bool {
	p, err := url.Parse(u)
	return err == nil && strings.HasPrefix(p.Path, "/keys/")
}

// replay requests again every URL a player fetched (the same cookies) and
// checks each status is want(url).
func replay(t *testing.T, label string, p *player, want func(string) int) {
	t.Helper()
	seen := map[string]bool{}
	counts := map[int]int{}
	for _, h := range p.hits {
		if seen[h.url] {
			continue
		}
		seen[h.url] = true
		status, _, inst, err := p.once(h.url)
		if err != nil || status != want(h.url) {
			t.Errorf("%s: %s from %s: %d, %v; want %d", label, redact(h.url), inst, status, err, want(h.url))
		}
		counts[status]++
	}
	t.Logf("%s: %d URLs replayed, statuses %v", label, len(seen), counts)
}

// checkFrames has ffprobe play a new view with a token of issuerKey.
func checkFrames(t *testing.T, f *fleet, mode, stream, issuerKey string) {
	t.Helper()
	want := sourceFrames(t, stream)
	got, err := probeFrames(t, f.front[mode]+"/hls/"+stream+"/master.m3u8?__token__="+f.token(issuerKey, stream))
	if err != nil || strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("ffprobe of a new %s view: %v, %v; the source has %v", mode, got, err, want)
	}
	t.Logf("ffprobe of a new %s/%s view: %v", mode, stream, got)
}
