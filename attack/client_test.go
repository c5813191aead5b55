package attack

import (
	"strconv"
	"testing"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
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

// client holds one connection per listener for one goroutine.
type client struct {
	st    *stack
	conns map[int]*testutil.RawConn
}

func newClient(st *stack) *client { return &client{st: st, conns: map[int]*testutil.RawConn{}} }

func (c *client) closeAll() {
	for _, k := range c.conns {
		k.Close()
	}
}

// do sends r to the site and applies the checks every answer must pass (see
// registry.check). A transport failure fails the test.
func (c *client) do(t testing.TB, s *site, r request) *testutil.RawResponse {
	t.Helper()
	method := r.Method
	if method == "" {
		method = "GET"
	}
	port := s.Port
	if r.Plain {
		port = s.PlainPort
	}
	lines := []string{"User-Agent: mediagate-attack"}
	if r.Cookie != "" {
		lines = append(lines, "Cookie: "+r.Cookie)
	}
	lines = append(lines, r.Headers...)
	k := c.conns[port]
	if k == nil {
		k = &testutil.RawConn{Port: port, TLS: !r.Plain}
		c.conns[port] = k
	}
	c.st.reg.sent.Add(1)
	res, err := k.RoundTrip(testutil.RequestHead(method, r.Target, "localhost:"+strconv.Itoa(port), lines...))
	if err != nil {
		t.Fatalf("%s: no answer: %v", c.st.reg.describe(s, r), err)
	}
	c.st.reg.check(t, s, r, &res)
	return &res
}
