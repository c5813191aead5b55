package attack

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// request is one request exactly as sent: the request-target is not cleaned
// or re-encoded (Go's client would).
type request struct {
	Method  string   // default GET
	Target  string   // request-target, e.g. /hls/a/x%21/master.m3u8?__token__=…
	Cookie  string   // raw Cookie value (name=value as the browser sends it), or ""
	Headers []string // extra header lines
	Plain   bool     // plain HTTP (redirect site) instead of TLS
}

// response is what came back.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// conn is one keep-alive HTTP/1.1 connection to a listener.
type conn struct {
	port  int
	plain bool
	c     net.Conn
	br    *bufio.Reader
}

func (k *conn) dial() error {
	addr := "127.0.0.1:" + strconv.Itoa(k.port)
	d := &net.Dialer{Timeout: 5 * time.Second}
	var err error
	if k.plain {
		k.c, err = d.Dial("tcp", addr)
	} else {
		k.c, err = tls.DialWithDialer(d, "tcp", addr, &tls.Config{InsecureSkipVerify: true, ServerName: "localhost", //nolint:gosec // test CA
			NextProtos: []string{"http/1.1"}})
	}
	if err == nil {
		k.br = bufio.NewReaderSize(k.c, 64<<10)
	}
	return err
}

func (k *conn) close() {
	if k.c != nil {
		k.c.Close()
		k.c = nil
	}
}

// roundTrip sends head and reads one response, redialling once when a reused
// connection turns out closed.
func (k *conn) roundTrip(head, method string) (*response, error) {
	for attempt := 0; ; attempt++ {
		fresh := k.c == nil
		if fresh {
			if err := k.dial(); err != nil {
				return nil, err
			}
		}
		_ = k.c.SetDeadline(time.Now().Add(20 * time.Second))
		res, err := k.exchange(head, method)
		if err == nil {
			return res, nil
		}
		k.close()
		if fresh || attempt > 0 {
			return nil, err
		}
	}
}

func (k *conn) exchange(head, method string) (*response, error) {
	if _, err := io.WriteString(k.c, head); err != nil {
		return nil, err
	}
	resp, err := http.ReadResponse(k.br, &http.Request{Method: method})
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if resp.Close {
		k.close()
	}
	return &response{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

// client holds one connection per listener for one goroutine.
type client struct {
	st    *stack
	conns map[int]*conn
}

func newClient(st *stack) *client { return &client{st: st, conns: map[int]*conn{}} }

func (c *client) closeAll() {
	for _, k := range c.conns {
		k.close()
	}
}

// do sends r to the site and applies the checks every answer must pass (see
// registry.check). A transport failure fails the test.
func (c *client) do(t testing.TB, s *site, r request) *response {
	t.Helper()
	method := r.Method
	if method == "" {
		method = "GET"
	}
	port := s.Port
	if r.Plain {
		port = s.PlainPort
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: localhost:%d\r\nUser-Agent: mediagate-attack\r\n", method, r.Target, port)
	if r.Cookie != "" {
		b.WriteString("Cookie: " + r.Cookie + "\r\n")
	}
	for _, h := range r.Headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	k := c.conns[port]
	if k == nil {
		k = &conn{port: port, plain: r.Plain}
		c.conns[port] = k
	}
	c.st.reg.sent.Add(1)
	res, err := k.roundTrip(b.String(), method)
	if err != nil {
		t.Fatalf("%s: no answer: %v", c.st.reg.describe(s, r), err)
	}
	c.st.reg.check(t, s, r, res)
	return res
}

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
func (g *registry) check(t testing.TB, s *site, r request, res *response) {
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
	for _, tok := range append(g.mintedTokens(), own...) {
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
func (g *registry) forbid(t testing.TB, s *site, r request, res *response, probes []probe) {
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

// headerBytes serialises the header, without the one named skip.
func headerBytes(h http.Header, skip string) []byte {
	var b bytes.Buffer
	for k, vs := range h {
		if strings.EqualFold(k, skip) {
			continue
		}
		for _, v := range vs {
			b.WriteString(k + ": " + v + "\n")
		}
	}
	return b.Bytes()
}

// parseSetCookie returns the token of a __token__ Set-Cookie line and its acl
// field split at "!". The value is returned as sent (quotes kept: that is
// what a browser sends back).
func parseSetCookie(line string) (value string, acl []string, ok bool) {
	nv, _, _ := strings.Cut(line, ";")
	name, v, found := strings.Cut(strings.TrimSpace(nv), "=")
	if !found || name != "__token__" || v == "" {
		return "", nil, false
	}
	for field := range strings.SplitSeq(strings.Trim(v, `"`), "~") {
		if a, ok := strings.CutPrefix(field, "acl="); ok {
			acl = strings.Split(a, "!")
		}
	}
	return v, acl, true
}

// literalDir returns the directory an ACL part of a minted cookie covers,
// decoded, when the part is a literal directory prefix + "*": the path may
// be percent-encoded (the canonical escaped path, "/hls/my%20show/*"), but
// neither it nor its decoding may hold another metacharacter (!, *, ?, ~,
// %), an encoded "/" or a backslash, or an empty or dot segment.
func literalDir(part string) (string, bool) {
	raw, ok := strings.CutSuffix(part, "*")
	if !ok || strings.ContainsAny(raw, "!*?~\\") || strings.Contains(strings.ToLower(raw), "%2f") {
		return "", false
	}
	dir, err := url.PathUnescape(raw)
	if err != nil || len(dir) < 3 || dir[0] != '/' || !strings.HasSuffix(dir, "/") || strings.ContainsAny(dir, "!*?~%\\") {
		return "", false
	}
	for seg := range strings.SplitSeq(dir[1:len(dir)-1], "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", false
		}
	}
	return dir, true
}

func literalPrefixACL(part string) bool {
	_, ok := literalDir(part)
	return ok
}

// within reports whether every part of acl is a literal directory under one
// of the (decoded) dirs, e.g. /hls/a/ and /keys/a/.
func within(acl []string, dirs ...string) bool {
	if len(acl) == 0 {
		return false
	}
	for _, part := range acl {
		dir, ok := literalDir(part)
		if !ok {
			return false
		}
		under := false
		for _, d := range dirs {
			under = under || strings.HasPrefix(dir, d)
		}
		if !under {
			return false
		}
	}
	return true
}

// redactQuery drops the query of a target (for the minted-by note).
func redactQuery(target string) string {
	p, _, _ := strings.Cut(target, "?")
	return p
}

// cookieOf returns the __token__ cookie an answer set ("" when none) as the
// Cookie header value a browser would send.
func cookieOf(res *response) (cookie string, acl []string) {
	for _, sc := range res.Header.Values("Set-Cookie") {
		if v, a, ok := parseSetCookie(sc); ok {
			return "__token__=" + v, a
		}
	}
	return "", nil
}
