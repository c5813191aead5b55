package fleet

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// modes are the hls_proxy encryption modes; each is one site of the
// configuration (and one HAProxy frontend).
var modes = []string{"passthrough", "decrypt", "encrypt", "reencrypt"}

// caddyfileTemplate is the one configuration every instance runs: what
// differs between instances on one host (ports, the name in a response
// header) comes from the environment, {$VAR} when adapted and {env.VAR} at
// run time, so the text is byte for byte the same. Secrets are files, so a
// `caddy reload` with new file names rotates them.
var caddyfileTemplate = testutil.CaddyfileTemplate("Caddyfile", `{{global "{$FLEET_ADMIN}" "{$FLEET_HTTP}" "{$FLEET_HTTPS}"}}
{{range .Modes}}
https://localhost:{$FLEET_PORT_{{.}}} {
	header X-Fleet-Instance {env.FLEET_INSTANCE}
	secure_routes {
		allow GET HEAD /hls/* /keys/*
		cors {{$.Page}}
	}
	edgeauth {
		key{{range $.EdgeKeys}} {file.{{.}}}{{end}}
		session_cookie {
			lifetime 10m
			acl /hls/{http.request.uri.path.1}/*!/keys/{http.request.uri.path.1}/*
		}
	}
	hls_proxy {
		{{s3origin $.S3 "FLEET_S3_ACCESS" "FLEET_S3_SECRET"}}
		strip_prefix /hls
		encryption {{.}}
		key_secret{{range $.KeySecrets}} {file.{{.}}}{{end}}
		key_path /keys
	}
	handle_errors {
		header X-Edgeauth-Reason "{http.auth.edgeauth.reason}"
		respond "{http.auth.edgeauth.reason}" {http.error.status_code}
	}
}
{{end}}`)

// secrets names the EdgeAuth keys and key_secret values of one
// configuration, by name ("old", "new"), first signs or seals.
type secrets struct {
	Edge, HLS []string
}

// instance is one Caddy of the fleet.
type instance struct {
	name  string
	caddy *testutil.Caddy
	ports map[string]int // mode -> HTTPS port
}

// fleet is versitygw with testdata/sample, n Caddy instances and HAProxy.
type fleet struct {
	t         *testing.T
	dir       string            // secret files
	edgeKeys  map[string]string // name -> hex key
	s3        string
	instances []*instance
	lb        *haproxy
	front     map[string]string // mode -> "https://localhost:PORT" (HAProxy)
	blob      []byte            // big/blob.ts
	page      string            // "https://localhost:PORT": the player page, another origin
}

// startFleet starts everything; n instances run the configuration of cfg.
// A big clear object (big/blob.ts, 24 MiB, in a one-segment playlist) lets a
// test kill an instance in the middle of a transfer.
func startFleet(t *testing.T, n int, cfg secrets) *fleet {
	t.Helper()
	testutil.RequireTool(t, "haproxy")
	vgw := testutil.StartSampleBucket(t, "fleet")
	blob := make([]byte, 24<<20)
	_, _ = rand.Read(blob)
	vgw.WriteFile(t, "media", "big/blob.ts", blob)
	vgw.WriteFile(t, "media", "big/index.m3u8", []byte("#EXTM3U\n#EXT-X-TARGETDURATION:60\n#EXTINF:60,\nblob.ts\n#EXT-X-ENDLIST\n"))
	vgw.WriteFile(t, "media", "big/master.m3u8", []byte("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000000\nindex.m3u8\n"))

	f := &fleet{t: t, dir: t.TempDir(), edgeKeys: map[string]string{}, s3: vgw.Endpoint, front: map[string]string{}, blob: blob,
		page: startPageServer(t)}
	for _, name := range []string{"old", "new"} {
		f.edgeKeys[name] = testutil.RandomHex(t, 32)
		f.writeSecret("edge-"+name, f.edgeKeys[name])
		f.writeSecret("hls-"+name, testutil.RandomHex(t, 24))
	}
	text := f.caddyfile(cfg)
	for i := range n {
		ports := testutil.FreePorts(t, 3+len(modes))
		in := &instance{name: "c" + strconv.Itoa(i+1), ports: map[string]int{}}
		env := []string{"FLEET_INSTANCE=" + in.name, "FLEET_S3_ACCESS=" + vgw.Access, "FLEET_S3_SECRET=" + vgw.Secret,
			"FLEET_ADMIN=" + strconv.Itoa(ports[0]), "FLEET_HTTP=" + strconv.Itoa(ports[1]), "FLEET_HTTPS=" + strconv.Itoa(ports[2])}
		for j, m := range modes {
			in.ports[m] = ports[3+j]
			env = append(env, fmt.Sprintf("FLEET_PORT_%s=%d", m, ports[3+j]))
		}
		in.caddy = testutil.StartCaddyWith(t, testutil.CaddyOptions{Caddyfile: text, Admin: ports[0], Env: env, Ports: ports[3:]})
		f.instances = append(f.instances, in)
	}
	var sites []haproxySite
	fronts := testutil.FreePorts(t, len(modes))
	for j, m := range modes {
		s := haproxySite{Name: m, Port: fronts[j]}
		for _, in := range f.instances {
			s.Servers = append(s.Servers, haproxyServer{Name: in.name, Port: in.ports[m]})
		}
		sites = append(sites, s)
		f.front[m] = "https://localhost:" + strconv.Itoa(fronts[j])
	}
	f.lb = startHAProxy(t, sites)
	return f
}

func (f *fleet) writeSecret(name, value string) {
	if err := os.WriteFile(filepath.Join(f.dir, name), []byte(value), 0o600); err != nil {
		f.t.Fatal(err)
	}
}

// caddyfile renders the configuration with the named secrets.
func (f *fleet) caddyfile(cfg secrets) string {
	var edge, hls []string
	for _, n := range cfg.Edge {
		edge = append(edge, filepath.Join(f.dir, "edge-"+n))
	}
	for _, n := range cfg.HLS {
		hls = append(hls, filepath.Join(f.dir, "hls-"+n))
	}
	var b bytes.Buffer
	if err := caddyfileTemplate.Execute(&b, map[string]any{"Modes": modes, "S3": f.s3, "Page": f.page, "EdgeKeys": edge, "KeySecrets": hls}); err != nil {
		f.t.Fatal(err)
	}
	return b.String()
}

// reload applies cfg to the named instances with `caddy reload`.
func (f *fleet) reload(cfg secrets, names ...string) {
	f.t.Helper()
	text := f.caddyfile(cfg)
	for _, in := range f.instances {
		for _, n := range names {
			if in.name == n {
				if err := in.caddy.Reload(text); err != nil {
					f.t.Fatal(err)
				}
			}
		}
	}
}

// all names every instance.
func (f *fleet) all() []string {
	var names []string
	for _, in := range f.instances {
		names = append(names, in.name)
	}
	return names
}

// token is what the site's issuer hands a player: an ACL token for one
// stream and its keys, signed with the named EdgeAuth key.
func (f *fleet) token(keyName, stream string) string {
	f.t.Helper()
	return testutil.MintToken(f.t, f.edgeKeys[keyName], edgetoken.Options{ACLs: []string{"/hls/" + stream + "/*", "/keys/" + stream + "/*"}, Window: 10 * time.Minute})
}

// logRequests logs HAProxy's per-instance counters of every backend and
// returns requests per instance (all modes).
func (f *fleet) logRequests(label string) map[string]int {
	f.t.Helper()
	st, err := f.lb.stats()
	if err != nil {
		f.t.Fatalf("haproxy stats: %v", err)
	}
	per := map[string]int{}
	var lines []string
	for _, m := range modes {
		for _, in := range f.instances {
			s := st["be_"+m][in.name]
			per[in.name] += s.Sessions
			if s.Sessions > 0 || s.Status != "UP" {
				lines = append(lines, fmt.Sprintf("  %-11s %s: %3d requests (2xx %d, 4xx %d, 5xx %d), retries %d, redispatches %d, errors %d, %s",
					m, in.name, s.Sessions, s.R2xx, s.R4xx, s.R5xx, s.Retries, s.Redispatches, s.Err, s.Status))
			}
		}
	}
	f.t.Logf("%s — requests per instance %v:\n%s", label, per, strings.Join(lines, "\n"))
	return per
}
