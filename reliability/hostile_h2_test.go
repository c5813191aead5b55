package reliability

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// replayOverHTTP2 sends the table's plain GET/HEAD cases again over HTTP/2 (Go's
// client, the path sent as is through URL.Opaque): HTTP/2 requests take another
// path through Go's server (:path pseudo-header, no request line), so the same
// invariants must hold there. Cases the HTTP/2 client refuses to send (a :path
// that is not a valid pseudo-path, forbidden header fields) are skipped.
func replayOverHTTP2(t *testing.T, cases []hostileCase, forbidden map[string][][]byte, secrets []string) int {
	t.Helper()
	tr := &http.Transport{
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: true, ServerName: "localhost"}, //nolint:gosec // test CA
		ForceAttemptHTTP2: true,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Timeout: 15 * time.Second, Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	sent := 0
	for _, c := range cases {
		if c.plain || c.host != "" || c.proto != "" || c.mayClose || (c.method != "" && c.method != "GET" && c.method != "HEAD") ||
			!strings.HasPrefix(c.target, "/") || strings.HasPrefix(c.target, "//") {
			continue
		}
		skip := false
		for _, h := range c.headers {
			name, _, _ := strings.Cut(h, ":")
			if strings.EqualFold(name, "Host") || strings.EqualFold(name, "Content-Length") || len(h) > 8<<10 {
				skip = true
			}
		}
		if skip {
			continue
		}
		t.Run("h2/"+c.name, func(t *testing.T) {
			method := c.method
			if method == "" {
				method = "GET"
			}
			path, query, _ := strings.Cut(c.target, "?")
			req := &http.Request{
				Method: method,
				URL:    &url.URL{Scheme: "https", Host: "127.0.0.1:" + strconv.Itoa(c.port), Opaque: path, RawQuery: query},
				Host:   "localhost:" + strconv.Itoa(c.port),
				Header: http.Header{},
			}
			for _, h := range c.headers {
				name, v, _ := strings.Cut(h, ": ")
				req.Header.Add(name, v)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Skipf("the HTTP/2 client refuses this request: %v", err)
			}
			defer resp.Body.Close()
			if resp.ProtoMajor != 2 {
				t.Fatalf("answered over %s, want HTTP/2", resp.Proto)
			}
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 8<<20)) // a cut body is judged as it arrived, as over HTTP/1.1
			checkHostileAnswer(t, c, testutil.RawResponse{Status: resp.StatusCode, Header: resp.Header, Body: body}, forbidden, secrets)
		})
		sent++
	}
	return sent
}
