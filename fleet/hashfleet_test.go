package fleet

import (
	"bytes"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// This file is the stack of consistent_test.go: instances with object_cache
// behind one HAProxy that hashes the path on one frontend and balances
// round-robin on another, and the origin's own request count.

// hashBalance is the balancing of docs/fleet.md: the path alone picks the
// instance (the query holds each viewer's token and would scatter one
// object over every instance), on a consistent ring.
var hashBalance = []string{"balance uri path-only", "hash-type consistent"}

// frontend is one frontend of the test's HAProxy: its balancing (none:
// round-robin), the site of the instances behind it, and the assets viewed
// through it (each frontend warms its own cache entries).
type frontend struct {
	balance []string
	site    string // "cookie" (the hybrid cookie carries a view) or "tokenize"
	assets  []string
}

// frontends all balance over the same instances: the path hash, with the
// cookie and with the token in every URI (tokenize), the whole-URI hash
// (what path-only avoids) and round-robin.
var frontends = map[string]frontend{
	"hash":     {hashBalance, "cookie", []string{"hash-a", "hash-b"}},
	"hash-tok": {hashBalance, "tokenize", []string{"tok-a"}},
	"whole":    {[]string{"balance uri whole", "hash-type consistent"}, "tokenize", []string{"whole-a"}},
	"rr":       {nil, "cookie", []string{"rr-a"}},
}

// hashTTL is vod_cache_ttl: how long a cached object, playlist or key is
// reused before it is revalidated (which costs one more origin request).
const hashTTL = time.Minute

// hashCaddyfile is the configuration every instance runs: two passthrough
// sites with the hybrid cookie and object_cache, one of them with tokenize;
// ports and the instance's name come from the environment, so the text is
// the same everywhere.
var hashCaddyfile = testutil.CaddyfileTemplate("Caddyfile.hash", `{{global "{$FLEET_ADMIN}" "{$FLEET_HTTP}" "{$FLEET_HTTPS}"}}
{{range .Sites}}
https://localhost:{$FLEET_PORT_{{.}}} {
	header X-Fleet-Instance {env.FLEET_INSTANCE}
	edgeauth {
		key {env.FLEET_EDGE_KEY}
		session_cookie {
			lifetime 10m
			acl /hls/{http.request.uri.path.1}/*!/keys/{http.request.uri.path.1}/*
		}
	}
	hls_proxy {
		{{s3origin $.S3 "FLEET_S3_ACCESS" "FLEET_S3_SECRET"}}
		strip_prefix /hls
		{{if eq . "tokenize"}}tokenize{{end}}
		key_path /keys
		object_cache 64MiB
		vod_cache_ttl {{$.TTL}}
	}
	handle_errors {
		respond "{http.auth.edgeauth.reason}" {http.error.status_code}
	}
}
{{end}}`)

// hashFleet is versitygw (request log on), n instances of hashCaddyfile
// and one HAProxy with the frontends over the same instances.
type hashFleet struct {
	t         *testing.T
	vgw       *testutil.VGW
	edgeKey   string
	instances []*instance
	lb        *haproxy
	front     map[string]string // frontend name -> https://localhost:PORT
	hashPort  int
	objects   map[string][]byte // object key ("hash-a/v0_0.ts") -> stored bytes
	started   time.Time
}

func startHashFleet(t *testing.T, n int) *hashFleet {
	t.Helper()
	testutil.RequireTool(t, "haproxy")
	h := &hashFleet{t: t, edgeKey: testutil.RandomHex(t, 32), front: map[string]string{}, objects: map[string][]byte{}, started: time.Now()}
	h.vgw = testutil.StartVersityGW(t, testutil.VGWOptions{Access: "fleet" + testutil.RandomHex(t, 6), Secret: testutil.RandomHex(t, 20),
		Buckets: []string{"media"}, RequestLog: true})
	var assets []string
	for _, name := range sortedKeys(frontends) {
		assets = append(assets, frontends[name].assets...)
	}
	h.putAssets(assets)
	sites := []string{"cookie", "tokenize"}
	var text bytes.Buffer
	if err := hashCaddyfile.Execute(&text, map[string]any{"S3": h.vgw.Endpoint, "TTL": hashTTL.String(), "Sites": sites}); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		ports := testutil.FreePorts(t, 3+len(sites))
		in := &instance{name: "c" + strconv.Itoa(i+1), ports: map[string]int{}}
		env := []string{"FLEET_INSTANCE=" + in.name, "FLEET_EDGE_KEY=" + h.edgeKey,
			"FLEET_S3_ACCESS=" + h.vgw.Access, "FLEET_S3_SECRET=" + h.vgw.Secret,
			"FLEET_ADMIN=" + strconv.Itoa(ports[0]), "FLEET_HTTP=" + strconv.Itoa(ports[1]), "FLEET_HTTPS=" + strconv.Itoa(ports[2])}
		for j, site := range sites {
			in.ports[site] = ports[3+j]
			env = append(env, fmt.Sprintf("FLEET_PORT_%s=%d", site, ports[3+j]))
		}
		in.caddy = testutil.StartCaddyWith(t, testutil.CaddyOptions{Caddyfile: text.String(), Admin: ports[0], Env: env, Ports: ports[3:]})
		h.instances = append(h.instances, in)
	}
	fronts := testutil.FreePorts(t, len(frontends))
	var lb []haproxySite
	for j, name := range sortedKeys(frontends) {
		s := haproxySite{Name: name, Port: fronts[j], Balance: frontends[name].balance}
		if name == "hash" {
			h.hashPort = fronts[j]
		}
		for _, in := range h.instances {
			s.Servers = append(s.Servers, haproxyServer{Name: in.name, Port: in.ports[frontends[name].site]})
		}
		lb = append(lb, s)
		h.front[name] = "https://localhost:" + strconv.Itoa(fronts[j])
	}
	h.lb = startHAProxy(t, lb)
	return h
}

// putAssets uploads testdata/sample/aes under each asset name through the
// S3 API, with content types (and so ETags, which object_cache needs).
func (h *hashFleet) putAssets(assets []string) {
	dir := filepath.Join(testutil.RepoRoot(h.t), "testdata", "sample", "aes")
	entries, err := os.ReadDir(dir)
	if err != nil {
		h.t.Fatal(err)
	}
	types := map[string]string{".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t", ".bin": "application/octet-stream"}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			h.t.Fatal(err)
		}
		for _, a := range assets {
			h.vgw.PutObject(h.t, "media", a+"/"+e.Name(), data, types[path.Ext(e.Name())], nil)
			h.objects[a+"/"+e.Name()] = data
		}
	}
}

// token is a viewer's own entry token for an asset and its keys.
func (h *hashFleet) token(asset, viewer string) string {
	h.t.Helper()
	return testutil.MintToken(h.t, h.edgeKey, edgetoken.Options{ACLs: []string{"/hls/" + asset + "/*", "/keys/" + asset + "/*"},
		Window: 10 * time.Minute, ID: viewer})
}

// originRequests counts the origin's requests per object key (any method
// but the uploads), read from versitygw's request log:
// `HH:MM:SS | vgw | 200 | 1ms | 127.0.0.1 | GET | /media/hash-a/v0_0.ts | - | `.
func (h *hashFleet) originRequests() map[string]int {
	h.t.Helper()
	out := h.vgw.Output()
	if len(out) >= 1<<20 {
		h.t.Fatal("versitygw's request log reached its buffer's limit: the counts would be short")
	}
	n := map[string]int{}
	for l := range strings.SplitSeq(out, "\n") {
		f := strings.Split(l, " | ")
		if len(f) < 7 || f[1] != "vgw" || f[5] == "PUT" {
			continue
		}
		if key, ok := strings.CutPrefix(strings.TrimSpace(f[6]), "/media/"); ok {
			n[key]++
		}
	}
	return n
}

// served maps each object a player fetched to the instances that served it
// (with how often).
type served map[string]map[string]int

func (s served) add(p *player) {
	for _, hit := range p.hits {
		obj := objectOf(hit.url)
		if s[obj] == nil {
			s[obj] = map[string]int{}
		}
		s[obj][hit.instance]++
	}
}

// owner is the one instance that served obj, or "" when none or several did.
func (s served) owner(obj string) string {
	if len(s[obj]) != 1 {
		return ""
	}
	for in := range s[obj] {
		return in
	}
	return ""
}

func (s served) keys() []string { return sortedKeys(s) }

// objectOf is the origin object a proxy URL names: the path under /hls/
// or, for a key, under /keys/.
func objectOf(u string) string {
	pu, err := url.Parse(u)
	if err != nil {
		return u
	}
	for _, prefix := range []string{"/hls/", "/keys/"} {
		if k, ok := strings.CutPrefix(pu.Path, prefix); ok {
			return k
		}
	}
	return pu.Path
}

// watch plays rounds of views through a frontend: in each round, one new
// viewer per asset of it (its own token, then the session cookie it was
// minted, and with tokenize the token in every URI too), every
// view checked against the source, and returns who served what.
func (h *hashFleet) watch(front string, rounds int, label string) served {
	h.t.Helper()
	s := served{}
	want := sourcePlain(h.t, "aes")
	other := newPlayer(h.t)
	for r := range rounds {
		for _, a := range frontends[front].assets {
			p := newPlayer(h.t)
			v := p.play(h.front[front], a, h.token(a, fmt.Sprintf("%s-%d", label, r)), 1)
			if err := sameSegments(v.plain, want); err != nil {
				h.t.Fatalf("%s: view %d of %s through %s does not decode to the source: %v", label, r, a, front, err)
			}
			s.add(p)
			// Another client's request between views, as in any fleet: it
			// keeps round-robin from lining up each object with one instance.
			if status, _, _ := other.get(h.front[front] + "/hls/" + a + "/master.m3u8"); status != 403 {
				h.t.Fatalf("%s: a request without a token through %s answered %d", label, front, status)
			}
		}
	}
	return s
}

// sum adds n over keys.
func sum(n map[string]int, keys []string) int {
	total := 0
	for _, k := range keys {
		total += n[k]
	}
	return total
}

// waitDown waits until HAProxy's health check has marked the instance DOWN.
func (h *hashFleet) waitDown(t *testing.T, name string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := h.lb.stats()
		if err == nil && strings.HasPrefix(st["be_hash"][name].Status, "DOWN") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("HAProxy did not mark the killed %s DOWN within 10 s: %v %v", name, st["be_hash"][name], err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// logRequests logs HAProxy's per-instance counters of both backends.
func (h *hashFleet) logRequests() {
	st, err := h.lb.stats()
	if err != nil {
		h.t.Logf("haproxy stats: %v", err)
		return
	}
	var lines []string
	for _, name := range sortedKeys(frontends) {
		be := "be_" + name
		for _, in := range h.instances {
			s := st[be][in.name]
			lines = append(lines, fmt.Sprintf("  %-7s %s: %3d requests (2xx %d, 4xx %d, 5xx %d), retries %d, redispatches %d, %s",
				be, in.name, s.Sessions, s.R2xx, s.R4xx, s.R5xx, s.Retries, s.Redispatches, s.Status))
		}
	}
	h.t.Logf("requests per instance:\n%s", strings.Join(lines, "\n"))
}

func (h *hashFleet) mustStats(t *testing.T) map[string]map[string]serverStats {
	t.Helper()
	st, err := h.lb.stats()
	if err != nil {
		t.Fatalf("haproxy stats: %v", err)
	}
	return st
}

func sortedKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
