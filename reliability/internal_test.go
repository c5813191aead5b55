package reliability

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
)

func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// token mints an ACL token valid for the next 10 minutes.
func token(t testing.TB, keyHex string, acls ...string) string {
	t.Helper()
	return tokenOpts(t, keyHex, edgetoken.Options{ACLs: acls, Window: 10 * time.Minute})
}

func tokenOpts(t testing.TB, keyHex string, o edgetoken.Options) string {
	t.Helper()
	k, err := edgetoken.ParseKey(keyHex)
	if err != nil {
		t.Fatal(err)
	}
	o.Key = k
	tok, err := edgetoken.Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// hmacOf returns the hex HMAC of a token ("" when it has none).
func hmacOf(tok string) string {
	_, h, _ := strings.Cut(tok, "hmac=")
	return h
}

// httpsClient trusts Caddy's throwaway local CA, keeps no cookies and follows no redirects.
func httpsClient(conns int, timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			TLSClientConfig: &tls.Config{InsecureSkipVerify: true, ServerName: "localhost"}, //nolint:gosec // test CA
			// Every name dials loopback: all traffic stays on 127.0.0.1.
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				_, port, _ := net.SplitHostPort(addr)
				return (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, "tcp4", "127.0.0.1:"+port)
			},
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			ForceAttemptHTTP2:   false,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// rawResult is what a raw request got back.
type rawResult struct {
	Status int
	Header http.Header
	Body   []byte
	Err    error // transport or protocol error (the connection was refused or cut)
}

// rawRequest sends req (a complete HTTP/1.1 request head, "\r\n" line ends, no body)
// over a fresh TCP (or TLS) connection to 127.0.0.1:port and reads one response.
// It sends what Go's http client refuses to send: raw paths, NUL, bad UTF-8, odd methods.
func rawRequest(port int, useTLS bool, req string) rawResult {
	addr := "127.0.0.1:" + strconv.Itoa(port)
	d := &net.Dialer{Timeout: 5 * time.Second}
	var conn net.Conn
	var err error
	if useTLS {
		conn, err = tls.DialWithDialer(d, "tcp", addr, &tls.Config{InsecureSkipVerify: true, ServerName: "localhost", NextProtos: []string{"http/1.1"}}) //nolint:gosec // test CA
	} else {
		conn, err = d.Dial("tcp", addr)
	}
	if err != nil {
		return rawResult{Err: err}
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(15 * time.Second))
	if _, err := io.WriteString(conn, req); err != nil {
		return rawResult{Err: err}
	}
	method, _, _ := strings.Cut(req, " ")
	resp, err := http.ReadResponse(bufio.NewReaderSize(conn, 64<<10), &http.Request{Method: method})
	if err != nil {
		return rawResult{Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	return rawResult{Status: resp.StatusCode, Header: resp.Header, Body: body, Err: err}
}

// requestHead builds a request head with Host and Connection: close; extra are
// complete header lines without line ends.
func requestHead(method, target, host string, extra ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, target, host)
	for _, h := range extra {
		b.WriteString(h)
		b.WriteString("\r\n")
	}
	b.WriteString("User-Agent: mediagate-reliability\r\nConnection: close\r\n\r\n")
	return b.String()
}

// countLines counts log lines of caddy output containing every one of subs.
func countLines(out string, subs ...string) int {
	n := 0
	for line := range strings.SplitSeq(out, "\n") {
		ok := true
		for _, s := range subs {
			if !strings.Contains(line, s) {
				ok = false
				break
			}
		}
		if ok {
			n++
		}
	}
	return n
}
