package testutil

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"testing"
)

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	return FreePorts(t, 1)[0]
}

// FreePorts returns n distinct TCP ports on 127.0.0.1 that were free a
// moment ago (all are held open until every one is chosen, so none repeats).
func FreePorts(t testing.TB, n int) []int {
	t.Helper()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("finding a free port: %v", err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// RandomBytes returns n random bytes (test keys, IVs and object contents
// that must not occur anywhere else).
func RandomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// RandomHex returns n random bytes, hex encoded (test keys and secrets).
func RandomHex(t testing.TB, n int) string {
	t.Helper()
	return hex.EncodeToString(RandomBytes(t, n))
}
