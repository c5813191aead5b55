package testutil

import (
	"crypto/tls"
	"net"
	"testing"
	"time"
)

// WaitTLS waits until addr completes a TLS handshake for serverName. Caddy
// obtains a `tls internal` certificate in the background after a config
// load (on a fresh machine it first creates its CA), and a request sent
// before that fails with "tls: internal error".
func WaitTLS(t testing.TB, addr, serverName string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		d := &net.Dialer{Timeout: time.Second}
		conn, err := tls.DialWithDialer(d, "tcp", addr, &tls.Config{ServerName: serverName, InsecureSkipVerify: true}) //nolint:gosec // readiness probe only
		if err == nil {
			conn.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("TLS on %s not ready: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
