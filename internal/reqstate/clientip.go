package reqstate

import (
	"net"
	"net/http"
	"net/netip"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// ClientIP is Caddy's client IP (which honours trusted_proxies), falling back
// to the connection's remote address; the zero Addr when neither parses.
// Every module checks tokens and logs with this one value.
func ClientIP(r *http.Request) netip.Addr {
	if s, ok := caddyhttp.GetVar(r.Context(), caddyhttp.ClientIPVarKey).(string); ok {
		if a, err := netip.ParseAddr(s); err == nil {
			return a
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a
}

// ClientIPString is ClientIP for log lines: the address, or the raw
// remote address when it does not parse.
func ClientIPString(r *http.Request) string {
	if a := ClientIP(r); a.IsValid() {
		return a.String()
	}
	return r.RemoteAddr
}
