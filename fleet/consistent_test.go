package fleet

import (
	"bytes"
	"fmt"
	"net/url"
	"path"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// This file proves what docs/fleet.md ("Hashing the path") promises of
// HAProxy's `balance uri path-only` + `hash-type consistent` in front of
// instances running object_cache: each object is fetched from the origin
// once per fleet, not once per instance as round-robin costs; losing an
// instance moves only its objects; and access is still decided on every
// request by whichever instance the hash picks. Origin requests are counted
// at the origin itself (versitygw's request log).

func TestPathHashFetchesEachObjectOncePerFleet(t *testing.T) {
	h := startHashFleet(t, 3)
	const rounds = 6
	seen := map[string]served{}
	for _, name := range []string{"hash", "hash-tok", "whole", "rr"} {
		seen[name] = h.watch(name, rounds, name)
	}
	origin := h.originRequests()
	// Each revalidation after hashTTL costs one more request.
	bound := 1 + int(time.Since(h.started)/hashTTL)

	t.Run("path hash: one instance and one origin request per object", func(t *testing.T) {
		onePerFleet(t, "path hash", seen["hash"], origin, bound, 2)
	})
	t.Run("path hash with tokenize: the tokens in every URI change nothing", func(t *testing.T) {
		onePerFleet(t, "path hash, tokenize", seen["hash-tok"], origin, bound, 1)
	})
	t.Run("round-robin: one origin request per object per instance", func(t *testing.T) {
		scattered := onePerInstance(t, "round-robin", seen["rr"], origin)
		if scattered != len(seen["rr"]) {
			t.Fatalf("round-robin put %d of %d objects on one instance only", len(seen["rr"])-scattered, len(seen["rr"]))
		}
	})
	t.Run("whole-URI hash: the viewers' tokens scatter each object", func(t *testing.T) {
		if onePerInstance(t, "whole-URI hash, tokenize", seen["whole"], origin) < len(seen["whole"])/2 {
			t.Fatal("fewer than half the objects reached several instances through the whole-URI hash: path-only would buy little")
		}
	})
	t.Run("every instance decides access on every request", func(t *testing.T) {
		h.refusesOtherAssets(t)
	})
	t.Run("a lost instance moves only its objects", func(t *testing.T) {
		h.loseOne(t, seen["hash"])
	})
	h.logRequests()
}

// onePerFleet wants every object seen served by one instance and fetched
// from the origin once (at most bound times with revalidations), the
// objects of the given number of assets spread over several instances.
func onePerFleet(t *testing.T, label string, s served, origin map[string]int, bound, assets int) {
	t.Helper()
	per := map[string]int{}
	for _, obj := range s.keys() {
		owner := s.owner(obj)
		if owner == "" {
			t.Errorf("%s: %s was served by %v: one object spread over instances", label, obj, s[obj])
		}
		per[owner]++
		if origin[obj] < 1 || origin[obj] > bound {
			t.Errorf("%s: %s: %d origin requests, want 1 (at most %d with revalidations)", label, obj, origin[obj], bound)
		}
	}
	if len(s) < 11*assets {
		t.Fatalf("%s: the views fetched %d objects, want the 11 of each of %d assets (playlists, segments, keys)", label, len(s), assets)
	}
	if len(per) < 2 {
		t.Fatalf("%s: every object hashed to %v: the views did not alternate between instances", label, per)
	}
	t.Logf("%s: %d objects over instances %v, %d origin requests", label, len(s), per, sum(origin, s.keys()))
}

// onePerInstance wants every object seen fetched from the origin once per
// instance that served it; it returns how many objects several instances
// served.
func onePerInstance(t *testing.T, label string, s served, origin map[string]int) int {
	t.Helper()
	scattered := 0
	for _, obj := range s.keys() {
		if len(s[obj]) > 1 {
			scattered++
		}
		if origin[obj] != len(s[obj]) {
			t.Errorf("%s: %s: %d origin requests, want one per instance that served it (%v)", label, obj, origin[obj], s[obj])
		}
	}
	t.Logf("%s: %d objects (%d on several instances), %d origin requests (%.1f per object)", label, len(s), scattered,
		sum(origin, s.keys()), float64(sum(origin, s.keys()))/float64(len(s)))
	return scattered
}

// loseOne kills the instance that owns the most objects, plays views while
// HAProxy notices and after it has, and checks that the dead instance's
// objects cost one more origin request each on one survivor, and every
// other object none and stays where it was.
func (h *hashFleet) loseOne(t *testing.T, before served) {
	t.Helper()
	owned := map[string][]string{}
	for _, obj := range before.keys() {
		owned[before.owner(obj)] = append(owned[before.owner(obj)], obj)
	}
	var victim *instance
	for _, in := range h.instances {
		if victim == nil || len(owned[in.name]) > len(owned[victim.name]) {
			victim = in
		}
	}
	if len(owned[victim.name]) == 0 {
		t.Fatalf("no instance owns an object: %v", owned)
	}
	origin0 := h.originRequests()
	victim.caddy.Kill()
	window := h.watch("hash", 2, "loss") // until HAProxy marks it DOWN: retried, redispatched
	h.waitDown(t, victim.name)
	settled := h.watch("hash", 3, "lost")
	origin1 := h.originRequests()
	var moved, twice int
	for _, obj := range before.keys() {
		was, now, cost := before.owner(obj), settled.owner(obj), origin1[obj]-origin0[obj]
		if was != victim.name {
			if window.owner(obj) != was || now != was || cost != 0 {
				t.Errorf("%s (on %s, which survived): served by %v, then %v, with %d more origin requests; want %s alone and none",
					obj, was, window[obj], settled[obj], cost, was)
			}
			continue
		}
		moved++
		landed := distinct(append(sortedKeys(window[obj]), now)...)
		if now == "" || now == victim.name || cost != len(landed) || cost > 2 {
			t.Errorf("%s (on the lost %s): served by %v, then %v, with %d more origin requests; want one survivor after DOWN and one request per survivor it reached",
				obj, was, window[obj], settled[obj], cost)
		}
		if cost == 2 {
			twice++
		}
	}
	t.Logf("lost %s: its %d objects moved to one survivor each (%d of them also cost one request on the survivor a redispatch picked before DOWN); the other %d stayed, at no origin request",
		victim.name, moved, twice, len(before)-moved)
}

// spellings are request-targets that all name obj (an object key such as
// "hash-b/v0_0.ts") on its route, as a client may write them: dot
// segments, encoded dots and slashes, doubled slashes, an encoded letter,
// another case, and a key asked for on the object path. Each spelling
// hashes to its own instance.
func spellings(obj string) []string {
	asset, name, _ := strings.Cut(obj, "/")
	pre := "/hls"
	if path.Ext(name) == ".bin" {
		pre = "/keys"
	}
	return []string{
		pre + "/" + asset + "/" + name,
		pre + "/hash-a/../" + asset + "/" + name,
		pre + "/hash-a/%2e%2e/" + asset + "/" + name,
		pre + "//" + asset + "/" + name,
		pre + "/" + asset + "/./" + name,
		pre + "/%" + fmt.Sprintf("%02x", asset[0]) + asset[1:] + "/" + name,
		pre + "/" + asset + "%2f" + name,
		pre + "/" + strings.ToUpper(asset) + "/" + name,
		"/hls/" + asset + "/" + name,
	}
}

// forbidden are byte strings of obj that must not arrive: a playlist's
// tags, a short object whole, samples of a long one.
func forbidden(obj string, data []byte) [][]byte {
	if path.Ext(obj) == ".m3u8" {
		return [][]byte{[]byte("#EXTM3U"), []byte("#EXT-X-"), []byte(".ts")}
	}
	if len(data) <= 64 {
		return [][]byte{data}
	}
	var out [][]byte
	for _, at := range []int{len(data) / 4, len(data) / 2, len(data) * 3 / 4} {
		for off := at; off+48 <= len(data); off += 7 {
			if w := data[off : off+48]; byteVariety(w) >= 24 {
				out = append(out, w)
				break
			}
		}
	}
	return out
}

func byteVariety(b []byte) int {
	var seen [256]bool
	n := 0
	for _, c := range b {
		if !seen[c] {
			seen[c], n = true, n+1
		}
	}
	return n
}

// caller is who asks: a query string and header lines.
type caller struct {
	name, query string
	lines       []string
}

// callers are a stranger, a garbage token, and a holder of hash-a with its
// token, its session cookie (minted by a view of hash-a), and both.
func (h *hashFleet) callers(t *testing.T) []caller {
	tokA := h.token("hash-a", "holder")
	p := newPlayer(t)
	p.play(h.front["hash"], "hash-a", tokA, 1)
	u, _ := url.Parse(h.front["hash"] + "/hls/hash-a/")
	var cookie string
	for _, c := range p.client.Jar.Cookies(u) {
		cookie = "Cookie: " + c.Name + "=" + c.Value
	}
	if cookie == "" {
		t.Fatal("the holder of hash-a was minted no session cookie")
	}
	return []caller{
		{"a stranger", "", nil},
		{"a garbage token", "?__token__=st=1~exp=9999999999~acl=/*~hmac=00", nil},
		{"hash-a's token", "?__token__=" + tokA, nil},
		{"hash-a's cookie", "", []string{cookie}},
		{"hash-a's token and cookie", "?__token__=" + tokA, []string{cookie}},
	}
}

// refusesOtherAssets asks for every object of hash-b, in every spelling,
// by GET and HEAD, as each caller, through the path hash: every answer is
// a refusal with none of the object's bytes, the instances that refused
// are all of them, and the origin heard of none of it. First the holder
// gets its own asset's bytes through the same client and credentials, so
// the refusals are not an artefact of the client.
func (h *hashFleet) refusesOtherAssets(t *testing.T) {
	who := h.callers(t)
	conn := &testutil.RawConn{Port: h.hashPort, TLS: true}
	defer conn.Close()
	host := "localhost:" + strconv.Itoa(h.hashPort)
	for _, obj := range sortedKeys(h.objects) {
		for _, w := range who[2:] {
			if strings.HasPrefix(obj, "hash-a/") && (w.query != "" || path.Base(obj) != "master.m3u8") { // a view starts with the query token
				h.mustServe(t, conn, spellings(obj)[0]+w.query, host, w.lines, obj)
			}
		}
	}
	origin0, st0 := h.originRequests(), h.mustStats(t)
	asked := 0
	for _, obj := range sortedKeys(h.objects) {
		if strings.HasPrefix(obj, "hash-b/") {
			asked += h.mustRefuse(t, conn, host, obj, who)
		}
	}
	st1 := h.mustStats(t)
	for _, in := range h.instances {
		if st1["be_hash"][in.name].R4xx == st0["be_hash"][in.name].R4xx {
			t.Errorf("instance %s refused none of the %d requests: the spellings did not reach every instance", in.name, asked)
		}
	}
	origin1 := h.originRequests()
	for _, obj := range sortedKeys(h.objects) {
		if origin1[obj] != origin0[obj] {
			t.Errorf("%s: %d origin requests during the refusals, want none", obj, origin1[obj]-origin0[obj])
		}
	}
	t.Logf("%d requests for hash-b's objects (%d spellings, %d callers, GET and HEAD) refused by every instance, none reached the origin",
		asked, len(spellings("hash-b/x")), len(who))
}

// mustRefuse asks for obj in every spelling, by GET and HEAD, as each
// caller, and wants refusals that carry none of its bytes. It returns how
// many requests it sent.
func (h *hashFleet) mustRefuse(t *testing.T, conn *testutil.RawConn, host, obj string, who []caller) int {
	t.Helper()
	asked := 0
	for _, target := range spellings(obj) {
		for _, w := range who {
			for _, method := range []string{"GET", "HEAD"} {
				asked++
				res, err := conn.RoundTrip(testutil.RequestHead(method, target+w.query, host, w.lines...))
				if err != nil {
					t.Fatalf("%s %s as %s: %v", method, target, w.name, err)
				}
				inst := res.Header.Get("X-Fleet-Instance")
				if res.Status < 400 {
					t.Errorf("%s %s as %s: status %d from %s, want a refusal", method, target, w.name, res.Status, inst)
				}
				for _, b := range forbidden(obj, h.objects[obj]) {
					if bytes.Contains(res.Body, b) {
						t.Errorf("%s %s as %s: %d bytes from %s hold bytes of %s", method, target, w.name, len(res.Body), inst, obj)
					}
				}
			}
		}
	}
	return asked
}

// mustServe wants a 200 with obj's bytes (a playlist: rewritten, tagged).
func (h *hashFleet) mustServe(t *testing.T, conn *testutil.RawConn, target, host string, lines []string, obj string) {
	t.Helper()
	res, err := conn.RoundTrip(testutil.RequestHead("GET", target, host, lines...))
	ok := err == nil && res.Status == 200
	if path.Ext(obj) == ".m3u8" {
		ok = ok && bytes.HasPrefix(res.Body, []byte("#EXTM3U"))
	} else {
		ok = ok && bytes.Equal(res.Body, h.objects[obj])
	}
	if !ok {
		t.Fatalf("GET %s (the holder's own %s): status %d, %d bytes (%.40q), %v: want 200 and its bytes", redact(target), obj, res.Status, len(res.Body), res.Body, err)
	}
}
