package perimeter

import (
	"net"
	"strconv"
	"strings"
)

// IsHTTPS reports whether the request reached the client side over HTTPS:
// TLS on our connection, or X-Forwarded-Proto "https" (its first value)
// from a trusted proxy. From anyone else the header is ignored.
func (r Request) IsHTTPS() bool {
	if r.TLS {
		return true
	}
	if !r.TrustedProxy {
		return false
	}
	first, _, _ := strings.Cut(r.ForwardedProto, ",")
	return strings.EqualFold(strings.TrimSpace(first), "https")
}

// redirectLocation builds https://host[:port]/path?query for r, or reports
// false when the Host header is unusable.
func (p *Policy) redirectLocation(r Request) (string, bool) {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	} else if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	if host == "" || strings.ContainsAny(host, "/\\@?#[] \t\r\n%") {
		return "", false
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	target := "https://" + host
	if p.RedirectPort != 0 && p.RedirectPort != 443 {
		target += ":" + strconv.Itoa(p.RedirectPort)
	}
	path := r.EscapedPath
	if !strings.HasPrefix(path, "/") {
		path = "/"
	}
	// The query is dropped: it may carry a token, and a redirect must never
	// repeat one (it has already crossed plain HTTP once).
	return target + path, true
}

// PortOf returns the port of a listener address, or 0 when it has none.
func PortOf(addr net.Addr) int {
	switch a := addr.(type) {
	case *net.TCPAddr:
		return a.Port
	case *net.UDPAddr:
		return a.Port
	case nil:
		return 0
	}
	_, p, err := net.SplitHostPort(addr.String())
	if err != nil {
		return 0
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 0 || n > 65535 {
		return 0
	}
	return n
}
