package attack

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
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
