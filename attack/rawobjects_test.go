package attack

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// otherObjects are enc's objects that are neither playlist, segment nor key.
var otherObjects = []string{"poster.jpg", "subs/en.vtt", "notes.txt", "k3.jpg"}

// rowOtherObjectsRefused: in decrypt, encrypt and reencrypt an object that is
// neither playlist, segment nor key is refused unless raw_objects lists it.
func rowOtherObjectsRefused(t *testing.T, st *stack) {
	enc := st.Assets["enc"]
	forEachSite(t, st, st.matrix(func(s *site) bool { return s.crypto() && !s.PlaceholderACL }), func(t *testing.T, c *client, s *site) {
		tok := st.assetToken(t, "enc")
		for _, name := range otherObjects {
			for _, r := range objectVariants("/hls/enc/"+name, tok) {
				res := c.do(t, s, r)
				if res.Status < 400 {
					st.reg.fail(t, "%s: status %d: an object no directive lists answers in a crypto mode (want 403)", st.reg.describe(s, r), res.Status)
				}
				st.reg.forbid(t, s, r, res, windowsOrAll("object enc/"+name, enc.Objects[name]))
			}
		}
	})
}

// windowsOrAll are the windows of b, or b itself when it is too short for one.
func windowsOrAll(what string, b []byte) []probe {
	if len(b) < 200 {
		return []probe{{what, b}}
	}
	return windows(what, b)
}

// ownGlobal is the global block of a row's own bin/caddy: admin, plain
// and TLS ports are its first three arguments (%[1]d %[2]d %[3]d).
const ownGlobal = `{
	admin 127.0.0.1:%[1]d
	local_certs
	skip_install_trust
	default_bind 127.0.0.1
	auto_https disable_redirects
	http_port %[2]d
	https_port %[3]d
}
`

// rawObjectsCaddyfile is one decrypt site whose raw_objects lists posters,
// enc's subtitles and (carelessly) k*, which also matches enc's key k2 and
// the 16-byte k3.jpg: those stay refused.
const rawObjectsCaddyfile = ownGlobal + `
https://localhost:%[3]d {
	edgeauth {
		key {env.ATTACK_EDGEAUTH_KEY}
	}
	hls_proxy {
		origin s3://media {
			region us-east-1
			endpoint %[4]s
			access_key {env.ATTACK_S3_ACCESS}
			secret_key {env.ATTACK_S3_SECRET}
		}
		strip_prefix /hls
		key_path /keys
		encryption decrypt
		key_secret {env.ATTACK_KEY_SECRET}
		raw_objects *.jpg enc/subs/* k*
	}
}
`

// rowRawObjects: `raw_objects` serves what it lists in a crypto mode, and
// nothing else; a key or a 16-byte object is never served raw even when a
// glob matches it. It runs its own bin/caddy (on a build without
// raw_objects, that Caddy does not start and the row fails).
func rowRawObjects(t *testing.T, st *stack) {
	ports := testutil.FreePorts(t, 3)
	cf := fmt.Sprintf(rawObjectsCaddyfile, ports[0], ports[1], ports[2], st.VGW.Endpoint)
	testutil.StartCaddy(t, cf, ports[0], []string{
		"ATTACK_EDGEAUTH_KEY=" + st.Key, "ATTACK_KEY_SECRET=" + st.KeySecret,
		"ATTACK_S3_ACCESS=" + st.VGW.Access, "ATTACK_S3_SECRET=" + st.VGW.Secret,
	}, ports[2])
	s := &site{Name: "decrypt+raw_objects", Port: ports[2], Kind: "raw_objects", Mode: "decrypt"}
	c := newClient(st)
	defer c.closeAll()
	enc := st.Assets["enc"]
	tok := st.assetToken(t, "enc")
	for _, name := range []string{"poster.jpg", "subs/en.vtt"} {
		r := request{Target: q("/hls/enc/"+name, tok)}
		if res := c.do(t, s, r); res.Status != 200 || !bytes.Equal(res.Body, enc.Objects[name]) {
			st.reg.fail(t, "%s: status %d (%d bytes): a listed object is not served as stored", st.reg.describe(s, r), res.Status, len(res.Body))
		}
	}
	for _, name := range []string{"notes.txt", "k3.jpg", "k2", "%6b2", "enc.key", "enc%2ekey", "v0_0.ts", "v0.m3u8/../k2"} {
		for _, r := range objectVariants("/hls/enc/"+name, tok) {
			res := c.do(t, s, r)
			if res.Status < 400 {
				st.reg.fail(t, "%s: status %d: raw_objects let through what it must not (unlisted, a key or a 16-byte object)", st.reg.describe(s, r), res.Status)
			}
			forbidden := append(enc.keyProbes(), enc.rawProbes()...)
			forbidden = append(forbidden, probe{"object enc/notes.txt", enc.Objects["notes.txt"][:64]}, probe{"16-byte object enc/k3.jpg", enc.Objects["k3.jpg"]})
			st.reg.forbid(t, s, r, res, forbidden)
		}
	}
}
