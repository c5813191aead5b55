package reliability

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// token mints an ACL token valid for the next 10 minutes.
func token(t testing.TB, keyHex string, acls ...string) string {
	t.Helper()
	return testutil.MintToken(t, keyHex, edgetoken.Options{ACLs: acls, Window: 10 * time.Minute})
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

// rawRequest sends req (a complete HTTP/1.1 request head, as requestHead
// builds it) over a fresh TCP (or TLS) connection to 127.0.0.1:port and reads
// one response within 15 s, keeping at most 8 MiB of its body. It sends what
// Go's http client refuses to send: raw paths, NUL, bad UTF-8, odd methods.
func rawRequest(port int, useTLS bool, req string) (testutil.RawResponse, error) {
	k := &testutil.RawConn{Port: port, TLS: useTLS, Timeout: 15 * time.Second, MaxBody: 8 << 20}
	defer k.Close()
	return k.RoundTrip(req)
}

// requestHead builds a request head with Host (none when host is "") and
// Connection: close; extra are complete header lines without line ends.
func requestHead(method, target, host string, extra ...string) string {
	return testutil.RequestHead(method, target, host, slices.Concat(extra, []string{"User-Agent: mediagate-reliability", "Connection: close"})...)
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
