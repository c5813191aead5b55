package testutil

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// rawTarget holds what Go's client would clean or re-encode: dot segments,
// an escaped dot segment, "//", an escaped slash, bytes that are not UTF-8
// and a query with a NUL escape and token metacharacters.
const rawTarget = "/hls/a/../%2e%2e//b/./x%2F\xff\xfe?__token__=exp=1~acl=/a/*!/b/*~hmac=00&x=%00"

func TestRequestHeadIsWrittenAsGiven(t *testing.T) {
	got := RequestHead("GET", rawTarget, "localhost:8443", "Cookie: __token__=a~b; x=y", "Range: bytes=0-")
	want := "GET " + rawTarget + " HTTP/1.1\r\nHost: localhost:8443\r\nCookie: __token__=a~b; x=y\r\nRange: bytes=0-\r\n\r\n"
	if got != want {
		t.Errorf("head\n%q\nwant\n%q", got, want)
	}
	if got, want := RequestHead("HEAD", "*", ""), "HEAD * HTTP/1.1\r\n\r\n"; got != want {
		t.Errorf("head without Host: %q, want %q", got, want)
	}
}

// echoServer answers with the request-target as received, and says in
// headers which connection it came on, the Cookie header and the scheme.
func echoServer(tlsOn bool) *httptest.Server {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Remote", r.RemoteAddr)
		w.Header().Set("X-Cookie", r.Header.Get("Cookie"))
		w.Header().Set("X-Extra", r.Header.Get("X-Extra"))
		w.Header().Set("X-TLS", strconv.FormatBool(r.TLS != nil))
		if r.URL.Query().Get("close") != "" {
			w.Header().Set("Connection", "close")
		}
		if n, _ := strconv.Atoi(r.URL.Query().Get("size")); n > 0 {
			_, _ = w.Write(bytes.Repeat([]byte("x"), n))
			return
		}
		_, _ = io.WriteString(w, r.RequestURI)
	})
	if tlsOn {
		return httptest.NewTLSServer(h)
	}
	return httptest.NewServer(h)
}

func portOf(t *testing.T, srv *httptest.Server) int {
	t.Helper()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	p, err := strconv.Atoi(u.Port())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRawConnSendsTheTargetAsWritten(t *testing.T) {
	for _, tlsOn := range []bool{false, true} {
		t.Run(fmt.Sprintf("tls=%v", tlsOn), func(t *testing.T) {
			srv := echoServer(tlsOn)
			defer srv.Close()
			k := &RawConn{Port: portOf(t, srv), TLS: tlsOn}
			defer k.Close()
			res, err := k.RoundTrip(RequestHead("GET", rawTarget, "localhost", "Cookie: __token__=a~b; x=y", "X-Extra: 1"))
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != 200 || string(res.Body) != rawTarget {
				t.Errorf("status %d, target arrived as %q, want %q", res.Status, res.Body, rawTarget)
			}
			if got := res.Header.Get("X-Cookie"); got != "__token__=a~b; x=y" {
				t.Errorf("Cookie arrived as %q", got)
			}
			if got := res.Header.Get("X-Extra"); got != "1" {
				t.Errorf("extra header line arrived as %q", got)
			}
			if got := res.Header.Get("X-TLS"); got != strconv.FormatBool(tlsOn) {
				t.Errorf("server saw TLS %s, want %v", got, tlsOn)
			}
		})
	}
}

func TestRawConnKeepsTheConnectionAlive(t *testing.T) {
	srv := echoServer(true)
	defer srv.Close()
	k := &RawConn{Port: portOf(t, srv), TLS: true}
	defer k.Close()
	remote := func(target string) string {
		t.Helper()
		res, err := k.RoundTrip(RequestHead("GET", target, "localhost"))
		if err != nil || res.Status != 200 {
			t.Fatalf("GET %s: %d %v", target, res.Status, err)
		}
		return res.Header.Get("X-Remote")
	}
	first := remote("/1")
	if second := remote("/2"); second != first {
		t.Errorf("second request came on %s, want the first connection %s", second, first)
	}
	// The server drops the idle connection: the reused one is dialled again.
	srv.CloseClientConnections()
	third := remote("/3")
	if third == first {
		t.Errorf("third request came on the closed connection %s", first)
	}
	// A response asking to close closes the connection; the next dials again.
	if got := remote("/4?close=1"); got != third {
		t.Errorf("fourth request came on %s, want %s", got, third)
	}
	if got := remote("/5"); got == third {
		t.Errorf("request after Connection: close came on the closed connection %s", got)
	}
}

func TestRawConnBoundsTheBody(t *testing.T) {
	srv := echoServer(false)
	defer srv.Close()
	k := &RawConn{Port: portOf(t, srv), MaxBody: 100}
	defer k.Close()
	res, err := k.RoundTrip(RequestHead("GET", "/?size=1000", "localhost", "Connection: close"))
	if err != nil || res.Status != 200 || len(res.Body) != 100 {
		t.Errorf("status %d, %d bytes (%v), want 200 with the first 100", res.Status, len(res.Body), err)
	}
	// HEAD: the response is read without waiting for a body.
	k2 := &RawConn{Port: portOf(t, srv), Timeout: 5 * time.Second}
	defer k2.Close()
	res, err = k2.RoundTrip(RequestHead("HEAD", "/?size=1000", "localhost"))
	if err != nil || res.Status != 200 || len(res.Body) != 0 {
		t.Errorf("HEAD: status %d, %d bytes (%v), want 200 with none", res.Status, len(res.Body), err)
	}
}

// rawServer accepts one connection at a time, records each request head byte
// for byte and answers with answer.
func rawServer(t *testing.T, answer string) (port int, heads <-chan string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	ch := make(chan string, 4)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			var head bytes.Buffer
			br := bufio.NewReader(c)
			for !bytes.HasSuffix(head.Bytes(), []byte("\r\n\r\n")) {
				b, err := br.ReadByte()
				if err != nil {
					break
				}
				head.WriteByte(b)
			}
			ch <- head.String()
			_, _ = io.WriteString(c, answer)
			c.Close()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port, ch
}

func TestRawConnSendsRawBytes(t *testing.T) {
	port, heads := rawServer(t, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
	head := RequestHead("M\x00ETHOD", "/a/%2e%2e//b\x00\x01\x7f\xff\r/ x", "x\x00y", "Cookie: a=\x01b", "X: \xc3\x28")
	k := &RawConn{Port: port}
	defer k.Close()
	res, err := k.RoundTrip(head)
	if err != nil || res.Status != 200 || string(res.Body) != "ok" {
		t.Fatalf("status %d %q (%v)", res.Status, res.Body, err)
	}
	if got := <-heads; got != head {
		t.Errorf("server got\n%q\nwant\n%q", got, head)
	}
}

func TestRawConnReportsWhatArrivedBeforeAnError(t *testing.T) {
	// The body stops 90 bytes short: the status and the 10 bytes come back with the error.
	port, _ := rawServer(t, "HTTP/1.1 206 Partial Content\r\nContent-Length: 100\r\n\r\n0123456789")
	k := &RawConn{Port: port}
	res, err := k.RoundTrip(RequestHead("GET", "/", "localhost"))
	if err == nil || res.Status != 206 || string(res.Body) != "0123456789" {
		t.Errorf("status %d, body %q, err %v; want 206, the 10 bytes and an error", res.Status, res.Body, err)
	}
	// Nothing listens: no status, an error.
	closed := FreePort(t)
	res, err = (&RawConn{Port: closed}).RoundTrip(RequestHead("GET", "/", "localhost"))
	if err == nil || res.Status != 0 {
		t.Errorf("closed port: status %d, err %v; want 0 and an error", res.Status, err)
	}
	// A fresh connection cut before the status line is not dialled again.
	port, heads := rawServer(t, "")
	_, err = (&RawConn{Port: port}).RoundTrip(RequestHead("GET", "/", "localhost"))
	if err == nil || !strings.Contains(err.Error(), "EOF") {
		t.Errorf("cut connection: err %v, want EOF", err)
	}
	<-heads
	select {
	case h := <-heads:
		t.Errorf("a fresh connection was dialled again and sent %q", h)
	case <-time.After(100 * time.Millisecond):
	}
}
