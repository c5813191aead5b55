package perimeter

import (
	"net"
	"testing"
)

func TestPortOf(t *testing.T) {
	for _, tc := range []struct {
		addr net.Addr
		want int
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9442}, 9442},
		{&net.UDPAddr{IP: net.IPv6loopback, Port: 443}, 443},
		{&net.UnixAddr{Name: "/run/caddy.sock", Net: "unix"}, 0},
		{nil, 0},
	} {
		if got := PortOf(tc.addr); got != tc.want {
			t.Errorf("PortOf(%v) = %d, want %d", tc.addr, got, tc.want)
		}
	}
}
