package authz

import (
	"errors"
	"strings"
	"testing"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/internal/canon"
)

func mustPath(t testing.TB, s string) canon.Path {
	t.Helper()
	p, err := canon.Parse(s)
	if err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return p
}

// mintCase is one MintACL call and what it must return.
type mintCase struct {
	name     string
	verified []string
	entry    string
	view     *View
	conf     []string
	want     string // minted entries joined with "!"
	err      error
}

func runMintCases(t *testing.T, tests []mintCase) {
	t.Helper()
	for _, tt := range tests {
		got, err := MintACL(tt.verified, mustPath(t, tt.entry), tt.view, tt.conf)
		if !errors.Is(err, tt.err) || strings.Join(got, "!") != tt.want {
			t.Errorf("%s: MintACL = %q, %v; want %q, %v", tt.name, got, err, tt.want, tt.err)
		}
	}
}

func TestMintACLIsTheEntryAssetAndItsKeys(t *testing.T) {
	view := &View{AssetDir: "/hls/a/", KeyDir: "/keys/a/"}
	runMintCases(t, []mintCase{
		{"asset token", []string{"/hls/a/*"}, "/hls/a/master.m3u8", view, nil, "/hls/a/*!/keys/a/*", nil},
		{"PHP playlist token starts a view of its asset", []string{"/hls/a/master.m3u8*"}, "/hls/a/master.m3u8", view, nil, "/hls/a/*!/keys/a/*", nil},
		{"no view reported: the entry directory", []string{"/*"}, "/hls/a/b/index.m3u8", nil, nil, "/hls/a/b/*", nil},
		{"space in the asset", []string{"/*"}, "/hls/my%20video/i.m3u8", nil, nil, "/hls/my%20video/*", nil},
		{"configured within the verified token", []string{"/hls/*"}, "/hls/a/i.m3u8", view, []string{"/hls/*"}, "/hls/*", nil},
		{"configured wider than token and asset", []string{"/hls/a/*"}, "/hls/a/i.m3u8", view, []string{"/hls/*"}, "", ErrOutsideGrant},
		{"configured another asset", []string{"/hls/a/*"}, "/hls/a/i.m3u8", view, []string{"/hls/b/*"}, "", ErrOutsideGrant},
		{"bang in the directory", []string{"/*"}, "/hls/a/x!/y.m3u8", nil, nil, "", ErrUnsafePrefix},
		{"star in the directory", []string{"/*"}, "/hls/a/x*/y.m3u8", nil, nil, "", ErrUnsafePrefix},
		{"encoded question mark", []string{"/*"}, "/hls/a/x%3F/y.m3u8", nil, nil, "", ErrUnsafePrefix},
		{"tilde", []string{"/*"}, "/hls/~a/y.m3u8", nil, nil, "", ErrUnsafePrefix},
		{"percent", []string{"/*"}, "/hls/100%25/y.m3u8", nil, nil, "", ErrUnsafePrefix},
		{"view that does not hold the entry", []string{"/*"}, "/hls/a/i.m3u8", &View{AssetDir: "/hls/b/"}, nil, "", ErrOutsideGrant},
	})
}

// A root-level entry (directly under strip_prefix, at "/" with nothing
// stripped, behind handle_path) belongs to no asset: its session token
// carries only the literal prefixes its own token covered, never the tree
// and never the key directory.
func TestMintACLAtTheRootOfTheTreeIsNeverWiderThanTheToken(t *testing.T) {
	root := &View{} // what hls_proxy reports for an object directly under strip_prefix
	runMintCases(t, []mintCase{
		{"exact acl on /hls/index.m3u8", []string{"/hls/index.m3u8"}, "/hls/index.m3u8", root, nil, "", ErrRootEntry},
		{"playlist-star acl on /hls/index.m3u8 covers no directory", []string{"/hls/index.m3u8*"}, "/hls/index.m3u8", root, nil, "", ErrRootEntry},
		{"url-mode token on /hls/index.m3u8", nil, "/hls/index.m3u8", root, nil, "", ErrRootEntry},
		{"tree token keeps its own tree", []string{"/hls/*"}, "/hls/index.m3u8", root, nil, "/hls/*", nil},
		{"no strip_prefix: exact acl", []string{"/index.m3u8"}, "/index.m3u8", root, nil, "", ErrRootEntry},
		{"handle_path, no view reported: exact acl", []string{"/index.m3u8"}, "/index.m3u8", nil, nil, "", ErrRootEntry},
		{"view of / is the root", []string{"/index.m3u8"}, "/index.m3u8", &View{AssetDir: "/", KeyDir: "/keys/"}, nil, "", ErrRootEntry},
		{"a key dir without an asset grants no key", []string{"/hls/*"}, "/hls/index.m3u8", &View{KeyDir: "/keys/"}, nil, "/hls/*", nil},
		{"configured keys of the tree, token covers none", []string{"/hls/*"}, "/hls/index.m3u8", root, []string{"/hls/*", "/keys/*"}, "", ErrOutsideGrant},
		{"configured within the token", []string{"/hls/*"}, "/hls/index.m3u8", root, []string{"/hls/*"}, "/hls/*", nil},
		{"configured tree, exact token", []string{"/hls/index.m3u8"}, "/hls/index.m3u8", root, []string{"/hls/*"}, "", ErrOutsideGrant},
		{"another delimiter: a bang entry covers no literal prefix", []string{"/hls/x!/keys/*"}, "/hls/index.m3u8", root, nil, "", ErrRootEntry},
		{"an escaped entry covers no literal prefix", []string{"%2Fhls%2F%2A"}, "/hls/index.m3u8", root, nil, "", ErrRootEntry},
	})
}

func TestExpandFillsPlaceholdersFromTheCanonicalPathOnly(t *testing.T) {
	const tmpl = "/hls/{http.request.uri.path.1}/*!/keys/{http.request.uri.path.1}/*"
	got, err := Expand(tmpl, mustPath(t, "/hls/my%20video/index.m3u8"))
	if err != nil || strings.Join(got, "!") != "/hls/my%20video/*!/keys/my%20video/*" {
		t.Fatalf("Expand = %q, %v", got, err)
	}
	if got, err := Expand("{http.request.uri.path.dir}/*", mustPath(t, "/hls/a/i.m3u8")); err != nil || got[0] != "/hls/a/*" {
		t.Errorf("dir: %q, %v", got, err)
	}
	if _, err := Expand(tmpl, mustPath(t, "/hls")); err == nil {
		t.Error("missing segment expanded")
	}
	// A segment holding a metacharacter expands, and MintACL refuses it.
	got, _ = Expand(tmpl, mustPath(t, "/hls/a!b/i.m3u8"))
	if _, err := MintACL([]string{"/*"}, mustPath(t, "/hls/a!b/i.m3u8"), nil, got); !errors.Is(err, ErrUnsafePrefix) {
		t.Errorf("metacharacter segment minted: %v", err)
	}
}

func TestCheckTemplate(t *testing.T) {
	for _, ok := range []string{"/hls/*", "/hls/{http.request.uri.path.1}/*!/keys/{http.request.uri.path.1}/*", "{http.request.uri.path.dir}/*"} {
		if err := CheckTemplate(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "/~u/*", "/a*b/*", "/a?/*", "/hls/{http.request.host}/*", "/hls/{http.request.uri.path.1", "hls/*", "/a/../b/*"} {
		if err := CheckTemplate(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzMintACL: whatever the verified token and the request path, a minted
// ACL is a list of literal prefixes, each inside the entry's asset, its key
// directory or a prefix the verified token covers, and no entry splits into
// more entries or matches anything outside its prefix once edgetoken reads it.
func FuzzMintACL(f *testing.F) {
	f.Add("/hls/a/*", "/hls/a/x!/y.m3u8", "")
	f.Add("/hls/a/index.m3u8*", "/hls/a/index.m3u8/x%21/y.m3u8", "")
	f.Add("/*", "/hls/*/a/index.m3u8", "/hls/{http.request.uri.path.1}/*!/keys/{http.request.uri.path.1}/*")
	f.Add("/hls/*", "/hls/a%2A/b.m3u8", "{http.request.uri.path.dir}/*")
	f.Fuzz(func(t *testing.T, verifiedACL, reqPath, tmpl string) {
		entry, err := canon.Parse(reqPath)
		if err != nil {
			return
		}
		verified := strings.Split(verifiedACL, "!")
		segs := strings.Split(strings.TrimPrefix(entry.Dir(), "/"), "/")
		view := &View{AssetDir: entry.Dir(), KeyDir: "/keys/" + strings.Join(segs[min(1, len(segs)-1):], "/")}
		if !strings.HasSuffix(view.KeyDir, "/") {
			view.KeyDir += "/"
		}
		conf, ok := configuredFor(tmpl, entry)
		if !ok {
			return
		}
		out, err := MintACL(verified, entry, view, conf)
		if err != nil {
			return
		}
		for _, acl := range out {
			lit, ok := strings.CutSuffix(acl, "*")
			if !ok || strings.ContainsAny(lit, "!*?~") {
				t.Fatalf("minted %q: not a literal prefix", acl)
			}
			if !inGrant(lit, *view, verified) {
				t.Fatalf("minted %q outside asset %+v and token %q", acl, view, verifiedACL)
			}
			if n := len(strings.Split(mustUnescape(t, acl), "!")); n != 1 {
				t.Fatalf("minted %q reads as %d entries", acl, n)
			}
			if !edgetoken.MatchACL(acl, lit+"x") || lit != "/" && edgetoken.MatchACL(acl, lit[:len(lit)-1]+"\x00") {
				t.Fatalf("minted %q does not match exactly its prefix", acl)
			}
		}
	})
}

func mustUnescape(t *testing.T, s string) string {
	d, ok := canon.Unescape(s)
	if !ok {
		t.Fatalf("minted %q has a bad escape", s)
	}
	return d
}

// FuzzMintACLAtTheRoot: for an entry that belongs to no asset (the empty
// View, or no view and an entry directly at "/"), every path a minted ACL
// entry covers is one the verified token itself covers, as edgetoken's own
// matcher reads both: minted ⊆ verified, never the tree.
func FuzzMintACLAtTheRoot(f *testing.F) {
	f.Add("/hls/index.m3u8", "/hls/index.m3u8", "", false)
	f.Add("/hls/*", "/hls/index.m3u8", "/hls/*!/keys/*", false)
	f.Add("/index.m3u8*", "/index.m3u8", "", true)
	f.Add("/hls/x!/keys/*", "/hls/i.m3u8", "{http.request.uri.path.dir}/*", false)
	f.Fuzz(func(t *testing.T, verifiedACL, reqPath, tmpl string, noView bool) {
		entry, err := canon.Parse(reqPath)
		if err != nil {
			return
		}
		view := &View{KeyDir: "/keys/"}
		if noView {
			if entry.Dir() != "/" {
				return
			}
			view = nil
		}
		verified := strings.Split(verifiedACL, "!")
		conf, ok := configuredFor(tmpl, entry)
		if !ok {
			return
		}
		out, err := MintACL(verified, entry, view, conf)
		if err != nil {
			return
		}
		for _, acl := range out {
			lit := strings.TrimSuffix(acl, "*")
			for _, probe := range []string{lit, lit + "x", lit + "a/b.ts", lit + "%20/k"} {
				if edgetoken.MatchACL(acl, probe) && !edgetoken.MatchAnyACL(verified, probe) {
					t.Fatalf("root entry %q with token %q minted %q, which covers %q the token does not", reqPath, verifiedACL, acl, probe)
				}
			}
		}
	})
}

// configuredFor is a fuzzed session acl template expanded for entry (nil
// for none), or false when the template or its expansion is refused.
func configuredFor(tmpl string, entry canon.Path) ([]string, bool) {
	if tmpl == "" {
		return nil, true
	}
	if CheckTemplate(tmpl) != nil {
		return nil, false
	}
	conf, err := Expand(tmpl, entry)
	return conf, err == nil
}
