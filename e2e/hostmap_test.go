package e2e

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Host names. The examples name their media host media.example.com and their player page
// www.example.com; the cross-site player page here is player.example.net. Nothing resolves these
// names on a test machine, so every client maps them to 127.0.0.1, keeping the port:
//   - Chromium with --host-resolver-rules (chromiumHostRules);
//   - ffprobe, which has no resolver option, through mapProxy: an HTTP CONNECT proxy (ffmpeg's
//     -http_proxy, which its HLS demuxer passes on to every playlist, key and segment request)
//     that connects the requested name to 127.0.0.1. It only copies bytes: TLS, SNI, Host and
//     cookies stay end to end between ffprobe and Caddy;
//   - Go's HTTP client with mappedClient.
const chromiumHostRules = "MAP *.example.com 127.0.0.1, MAP *.example.net 127.0.0.1"

// mappedHost reports whether a host name is one the tests map to 127.0.0.1.
func mappedHost(host string) bool {
	return host == "localhost" || host == "127.0.0.1" ||
		strings.HasSuffix(host, ".example.com") || strings.HasSuffix(host, ".example.net")
}

// dialMapped connects to 127.0.0.1 at addr's port when addr names a mapped host.
func dialMapped(ctx context.Context, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if !mappedHost(host) {
		return nil, &net.AddrError{Err: "not a test host name", Addr: addr}
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", net.JoinHostPort("127.0.0.1", port))
}

// startMapProxy starts the CONNECT proxy and returns its URL for ffmpeg's -http_proxy.
func startMapProxy(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	conns := map[net.Conn]bool{}
	track := func(c net.Conn, on bool) {
		mu.Lock()
		defer mu.Unlock()
		if on {
			conns[c] = true
		} else {
			delete(conns, c)
		}
	}
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			track(c, true)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer track(c, false)
				tunnel(c, track)
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// tunnel answers one CONNECT and copies bytes both ways until either side closes.
func tunnel(c net.Conn, track func(net.Conn, bool)) {
	defer c.Close()
	br := bufio.NewReader(c)
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	_ = c.SetReadDeadline(time.Time{})
	if req.Method != http.MethodConnect {
		_, _ = io.WriteString(c, "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
		return
	}
	up, err := dialMapped(context.Background(), req.Host)
	if err != nil {
		_, _ = io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
		return
	}
	track(up, true)
	defer track(up, false)
	defer up.Close()
	if _, err := io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		return
	}
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, br); closeWrite(up); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, up); closeWrite(c); done <- struct{}{} }()
	<-done
	<-done
}

func closeWrite(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
}

// mappedClient is an HTTPS client that maps the test host names to 127.0.0.1, trusts Caddy's
// throwaway local CA and keeps no cookies.
func mappedClient() *http.Client {
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			DialContext:     func(ctx context.Context, _, addr string) (net.Conn, error) { return dialMapped(ctx, addr) },
			TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // test CA
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
