package fleet

import (
	"bytes"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

// viewCases are the (mode, stream) pairs a fleet must play: every mode, at
// rest clear, AES-128 and fMP4 where the mode takes them.
var viewCases = []struct{ mode, stream string }{
	{"passthrough", "aes"},
	{"decrypt", "aes"},
	{"encrypt", "clear"},
	{"encrypt", "fmp4"},
	{"reencrypt", "aes"},
}

func TestAViewAlternatesBetweenInstancesInEveryMode(t *testing.T) {
	f := startFleet(t, 3, secrets{Edge: []string{"old"}, HLS: []string{"old"}})
	for _, tc := range viewCases {
		t.Run(tc.mode+"/"+tc.stream, func(t *testing.T) {
			p := newPlayer(t)
			v := p.play(f.front[tc.mode], tc.stream, f.token("old", tc.stream), len(f.instances))
			if err := sameSegments(v.plain, sourcePlain(t, tc.stream)); err != nil {
				t.Fatalf("the view does not decode to the source: %v", err)
			}
			checkAlternation(t, p, v, tc.mode, len(f.instances))

			want := sourceFrames(t, tc.stream)
			got, err := probeFrames(t, f.front[tc.mode]+"/hls/"+tc.stream+"/master.m3u8?__token__="+f.token("old", tc.stream))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Fatalf("ffprobe through the fleet decoded %v, the source has %v", got, want)
			}
			t.Logf("%d requests over %v, ffprobe frames %v", len(p.hits), instancesOf(p), got)
		})
	}
	per := f.logRequests("every mode")
	for _, in := range f.instances {
		if per[in.name] == 0 {
			t.Errorf("instance %s served nothing: the balancer did not spread the views", in.name)
		}
	}
}

// checkAlternation proves a view used the fleet as one: every instance
// served it, the session cookie of the first answer was honoured by others,
// a playlist sealed by one instance had segments opened by another, and
// every key came identical from every instance (play compared the bytes).
func checkAlternation(t *testing.T, p *player, v view, mode string, n int) {
	t.Helper()
	if got := distinct(instancesOf(p)...); len(got) != n {
		t.Fatalf("the view was served by %v, want all %d instances", got, n)
	}
	honoured := false
	for _, h := range p.hits[1:] {
		honoured = honoured || (h.status == 200 && h.instance != v.masterInstance)
	}
	if !honoured {
		t.Fatalf("no other instance than %s answered with the session cookie it minted", v.masterInstance)
	}
	crossed := false
	for variant, pi := range v.playlistInstance {
		crossed = crossed || slices.ContainsFunc(v.segInstances[variant], func(s string) bool { return s != pi })
	}
	if !crossed {
		t.Fatalf("no segment was served by another instance than the one that sealed its playlist: %v %v", v.playlistInstance, v.segInstances)
	}
	if mode == "decrypt" {
		if len(v.keyInstances) != 0 {
			t.Fatalf("decrypt delivered keys: %v", v.keyInstances)
		}
		return
	}
	if len(v.keyInstances) == 0 {
		t.Fatal("no key in the view")
	}
	for uri, insts := range v.keyInstances {
		if got := distinct(insts...); len(got) != n {
			t.Fatalf("key %s came from %v only", uri, got)
		}
	}
}

func instancesOf(p *player) []string {
	var out []string
	for _, h := range p.hits {
		out = append(out, h.instance)
	}
	return out
}

func TestAViewSurvivesAnInstanceKilledMidTransfer(t *testing.T) {
	f := startFleet(t, 3, secrets{Edge: []string{"old"}, HLS: []string{"old"}})
	var victim string
	p := newPlayer(t)
	// Before the third segment of the view, another player is in the
	// middle of a 24 MiB segment; the instance sending it dies.
	p.beforeSegment = func(n int) {
		if n == 2 {
			victim = f.killMidTransfer(t)
		}
	}
	v := p.play(f.front["encrypt"], "clear", f.token("old", "clear"), len(f.instances))
	if victim == "" {
		t.Fatal("the view ended before the kill")
	}
	if err := sameSegments(v.plain, sourcePlain(t, "clear")); err != nil {
		t.Fatalf("the view that lost %s does not decode to the source: %v", victim, err)
	}
	var after []string
	for i, h := range p.hits {
		if i >= len(p.hits)-4 {
			after = append(after, h.instance)
		}
		if h.status != 200 {
			t.Errorf("request %d answered %d from %s", i, h.status, h.instance)
		}
	}
	if slices.Contains(after, victim) {
		t.Fatalf("the dead instance %s answered after it was killed: %v", victim, after)
	}
	t.Logf("killed %s mid-transfer; the view went on through %v with %d player retries", victim, distinct(after...), p.retries)

	// A new view of every mode plays through the two left.
	for _, tc := range viewCases {
		want := sourceFrames(t, tc.stream)
		got, err := probeFrames(t, f.front[tc.mode]+"/hls/"+tc.stream+"/master.m3u8?__token__="+f.token("old", tc.stream))
		if err != nil || strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("%s/%s after the kill: ffprobe %v, %v; the source has %v", tc.mode, tc.stream, got, err, want)
		}
	}
	st, err := f.lb.stats()
	if err != nil {
		t.Fatal(err)
	}
	if s := st["be_encrypt"][victim].Status; !strings.HasPrefix(s, "DOWN") {
		t.Errorf("HAProxy has the killed %s as %q, want DOWN", victim, s)
	}
	f.logRequests("after the kill of " + victim)
}

// killMidTransfer starts the 24 MiB segment of big/ in encrypt mode, reads
// 1 MiB of it, kills the instance that is sending it and checks the player
// sees the transfer fail (never a short body taken for the whole), then
// fetches it again through the rest of the fleet and checks every byte.
// It returns the name of the killed instance.
func (f *fleet) killMidTransfer(t *testing.T) string {
	t.Helper()
	p := newPlayer(t)
	base := f.front["encrypt"] + "/hls/big/"
	p.mustGet(base + "master.m3u8?__token__=" + f.token("old", "big"))
	pl, _ := p.mustGet(base + "index.m3u8")
	segs := mediaSegments(t, pl)
	if len(segs) != 1 || segs[0].Method != "AES-128" || segs[0].KeyURI == "" {
		t.Fatalf("big playlist: %+v", segs)
	}
	key, _ := p.mustGet(resolve(t, base+"index.m3u8", segs[0].KeyURI))
	segURL := resolve(t, base+"index.m3u8", segs[0].URI)

	resp, err := p.client.Get(segURL)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("big segment: %v %v", resp, err)
	}
	victim := resp.Header.Get("X-Fleet-Instance")
	buf := make([]byte, 1<<20)
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		t.Fatalf("reading the first MiB: %v", err)
	}
	for _, in := range f.instances {
		if in.name == victim {
			in.caddy.Kill()
		}
	}
	rest, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil {
		t.Fatalf("the transfer cut by the kill of %s ended cleanly after %d of %d bytes", victim, len(buf)+len(rest), resp.ContentLength)
	}
	t.Logf("killed %s after %d of %d bytes: the player saw %v", victim, len(buf)+len(rest), resp.ContentLength, err)

	start := time.Now()
	body, inst := p.mustGet(segURL)
	if inst == victim {
		t.Fatalf("the retry was served by the dead instance %s", victim)
	}
	if segs[0].IV == nil {
		t.Fatal("derived key without an explicit IV")
	}
	if got := decryptCBC(t, key, segs[0].DecryptIV(), body); !bytes.Equal(got, f.blob) {
		t.Fatalf("the retried segment from %s does not decrypt to the original", inst)
	}
	t.Logf("the retry came whole from %s in %s", inst, time.Since(start).Round(time.Millisecond))
	return victim
}
