package attack

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// registry knows every token the run used and every session cookie Caddy
// minted, to name them in messages and to find them where they must not be.
type registry struct {
	st     *stack
	mu     sync.Mutex
	names  map[string]string         // token value -> name for messages
	minted map[string]string         // minted cookie token -> where it was minted
	counts map[string]map[string]int // test name -> kind of failure -> count
	sent   atomic.Int64              // requests sent
}

func newRegistry(st *stack) *registry {
	return &registry{st: st, names: map[string]string{}, minted: map[string]string{}, counts: map[string]map[string]int{}}
}

// reportCap is how many failures of one kind a subtest prints in full; the
// rest are counted in one line at its end. ATTACK_REPORT_ALL=1 prints all.
var reportCap = func() int {
	if os.Getenv("ATTACK_REPORT_ALL") != "" {
		return math.MaxInt
	}
	return 4
}()

// fail reports a failure: in full for the first reportCap of a subtest with
// the same format (one kind of failure), counted after that.
func (g *registry) fail(t testing.TB, format string, args ...any) {
	kind := format
	t.Helper()
	g.mu.Lock()
	m := g.counts[t.Name()]
	if m == nil {
		m = map[string]int{}
		g.counts[t.Name()] = m
		t.Cleanup(func() {
			g.mu.Lock()
			defer g.mu.Unlock()
			for _, k := range sortedKeys(m) {
				if n := m[k]; n > reportCap {
					t.Errorf("… and %d more failures of this kind: %s", n-reportCap, k)
				}
			}
		})
	}
	m[kind]++
	n := m[kind]
	g.mu.Unlock()
	if n <= reportCap {
		t.Errorf(format, args...)
	} else {
		t.Fail()
	}
}

// name registers a token under a short name for messages and log scans.
func (g *registry) name(tok, name string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.names[tok] = name
	return tok
}

// tokens is every token value the run used or saw minted.
func (g *registry) tokens() map[string]string {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := map[string]string{}
	for k, v := range g.names {
		out[k] = v
	}
	for k, v := range g.minted {
		out[k] = "minted cookie " + v
	}
	return out
}

func (g *registry) mintedTokens() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]string, 0, len(g.minted))
	for k := range g.minted {
		out = append(out, k)
	}
	return out
}

// describe is "site: METHOD target [Cookie: …] [headers]" with every known
// token replaced by its name.
func (g *registry) describe(s *site, r request) string {
	m := r.Method
	if m == "" {
		m = "GET"
	}
	d := fmt.Sprintf("site %s: %s %s", s.Name, m, r.Target)
	if r.Cookie != "" {
		d += " [Cookie: " + r.Cookie + "]"
	}
	for _, h := range r.Headers {
		d += " [" + h + "]"
	}
	for tok, name := range g.tokens() {
		d = strings.ReplaceAll(d, tok, "<"+name+">")
	}
	if len(d) > 600 {
		d = d[:600] + "…"
	}
	return d
}

// check applies the invariants of every answer: no 5xx; a non-2xx answer sets
// no cookie and (when Caddy, not Go's HTTP server, wrote it) carries
// Cache-Control: no-store; a minted cookie's ACL is literal path prefixes
// ending in /*; no minted cookie token appears anywhere but in Set-Cookie.
func (g *registry) check(t testing.TB, s *site, r request, res *testutil.RawResponse) {
	t.Helper()
	what := lazyString(func() string { return g.describe(s, r) })
	if res.Status >= 500 {
		g.fail(t, "%s: status %d (5xx for a client's request)", what, res.Status)
	}
	cookies := res.Header.Values("Set-Cookie")
	if res.Status < 200 || res.Status > 299 {
		if len(cookies) > 0 {
			g.fail(t, "%s: status %d sets a cookie: %s", what, res.Status, g.redact(strings.Join(cookies, " | ")))
		}
	}
	if res.Status >= 400 && res.Header.Get("Server") == "Caddy" &&
		!strings.Contains(strings.ToLower(res.Header.Get("Cache-Control")), "no-store") {
		g.fail(t, "%s: status %d without Cache-Control: no-store (got %q)", what, res.Status, res.Header.Get("Cache-Control"))
	}
	var own []string
	for _, sc := range cookies {
		val, acl, ok := parseSetCookie(sc)
		if !ok {
			continue
		}
		val = strings.Trim(val, `"`) // the token, without the quotes of a quoted cookie value
		own = append(own, val)
		for _, part := range acl {
			if !literalPrefixACL(part) {
				g.fail(t, "%s: minted cookie ACL part %q is not a literal path prefix + /* (acl %q)", what, part, strings.Join(acl, "!"))
			}
		}
		g.mu.Lock()
		if _, seen := g.minted[val]; !seen {
			// Every site shares the key: the same acl minted in the same
			// second is the same token, so it is named by its acl.
			g.minted[val] = "acl=" + strings.Join(acl, "!")
		}
		g.mu.Unlock()
	}
	hdr := headerBytes(res.Header, "Set-Cookie")
	if !bytes.Contains(res.Body, []byte("hmac=")) && !bytes.Contains(hdr, []byte("hmac=")) {
		return // every token ends in ~hmac=…
	}
	for _, tok := range append(g.mintedTokens(), own...) {
		tok = strings.Trim(tok, `"`)
		if bytes.Contains(res.Body, []byte(tok)) {
			g.fail(t, "%s: status %d: the body carries the session cookie token %s", what, res.Status, "<"+g.tokens()[tok]+">")
		}
		if bytes.Contains(hdr, []byte(tok)) {
			g.fail(t, "%s: status %d: a header other than Set-Cookie carries a session cookie token: %s", what, res.Status, g.redact(string(hdr)))
		}
	}
}

// redact replaces every known token in s by its name.
func (g *registry) redact(s string) string {
	for tok, name := range g.tokens() {
		s = strings.ReplaceAll(s, tok, "<"+name+">")
	}
	return s
}

// forbid fails the test when any probe arrived in the body or a header,
// naming the first probe found and counting the others.
func (g *registry) forbid(t testing.TB, s *site, r request, res *testutil.RawResponse, probes []probe) {
	t.Helper()
	hdr := headerBytes(res.Header, "")
	var first string
	hits := 0
	for _, p := range probes {
		if i := bytes.Index(res.Body, p.B); i >= 0 {
			if hits++; hits == 1 {
				first = fmt.Sprintf("%s at body offset %d (body %d bytes)", p.What, i, len(res.Body))
			}
		}
		if bytes.Contains(hdr, p.B) {
			if hits++; hits == 1 {
				first = p.What + " in a header"
			}
		}
	}
	if hits > 0 {
		g.fail(t, "%s: status %d: FORBIDDEN BYTES arrived: %s (%d forbidden probes found in all)", g.describe(s, r), res.Status, first, hits)
	}
}

// lazyString formats as f() only when printed.
type lazyString func() string

func (l lazyString) String() string { return l() }
