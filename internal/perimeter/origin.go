package perimeter

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// Origin is a serialised web origin in canonical form: lower-case scheme
// ("http" or "https") and host, and the port only when it is not the
// scheme's default, e.g. "https://www.example.com" or "http://[::1]:8080".
type Origin string

// ErrBadOrigin is wrapped by every error ParseOrigin returns.
var ErrBadOrigin = errors.New("invalid origin")

// ParseOrigin validates a configured origin, which must be
// scheme://host[:port] with scheme http or https, and returns its canonical
// form. Wildcards, "null", user info, paths (even "/"), queries and
// fragments are refused.
func ParseOrigin(s string) (Origin, error) {
	o, why := canonicalOrigin(s)
	if why != "" {
		return "", fmt.Errorf("%w %q: %s", ErrBadOrigin, s, why)
	}
	return o, nil
}

// canonicalOrigin returns the canonical form of s, or a reason it is not a
// serialised http(s) origin.
func canonicalOrigin(s string) (Origin, string) {
	if strings.Contains(s, "*") {
		return "", "wildcards are not allowed (credentials are sent)"
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return "", "want scheme://host[:port]"
	}
	scheme = strings.ToLower(scheme)
	var defPort string
	switch scheme {
	case "https":
		defPort = "443"
	case "http":
		defPort = "80"
	default:
		return "", "scheme must be http or https"
	}
	if rest == "" {
		return "", "missing host"
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		return "", "an origin has no path, query or fragment"
	}
	if strings.Contains(rest, "@") {
		return "", "an origin has no user info"
	}
	host, port := rest, ""
	if h, p, err := net.SplitHostPort(rest); err == nil {
		if p == "" {
			return "", "port must be 1-65535"
		}
		host, port = h, p
	} else if strings.HasPrefix(rest, "[") && strings.HasSuffix(rest, "]") {
		host = rest[1 : len(rest)-1]
	} else if strings.Contains(rest, ":") {
		return "", "malformed host:port"
	}
	bracketed := strings.HasPrefix(rest, "[")
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || port[0] < '1' || port[0] > '9' {
			return "", "port must be 1-65535"
		}
		if port == defPort {
			port = ""
		}
	}
	if bracketed {
		ip, err := netip.ParseAddr(host)
		if err != nil || !ip.Is6() || ip.Zone() != "" {
			return "", "malformed IPv6 literal"
		}
		host = "[" + ip.String() + "]"
	} else {
		host = strings.ToLower(host)
		if why := checkHostname(host); why != "" {
			return "", why
		}
	}
	out := scheme + "://" + host
	if port != "" {
		out += ":" + port
	}
	return Origin(out), ""
}

func checkHostname(host string) string {
	if host == "" {
		return "missing host"
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return fmt.Sprintf("host has a forbidden character %q", c)
		}
	}
	if strings.HasPrefix(host, ".") || strings.HasSuffix(host, ".") || strings.Contains(host, "..") {
		return "host has an empty label"
	}
	return ""
}

// OriginSet is a set of allowed origins compared in canonical form.
type OriginSet struct {
	m     map[Origin]struct{}
	order []Origin
}

// NewOriginSet parses every origin (see ParseOrigin); at least one is
// required.
func NewOriginSet(origins []string) (*OriginSet, error) {
	if len(origins) == 0 {
		return nil, errors.New("at least one origin is required")
	}
	s := &OriginSet{m: make(map[Origin]struct{}, len(origins))}
	for _, raw := range origins {
		o, err := ParseOrigin(raw)
		if err != nil {
			return nil, err
		}
		if _, dup := s.m[o]; dup {
			return nil, fmt.Errorf("origin %q listed twice", raw)
		}
		s.m[o] = struct{}{}
		s.order = append(s.order, o)
	}
	return s, nil
}

// Contains reports whether the Origin request header value names one of
// the allowed origins: same scheme, host (case-insensitive) and port, an
// explicit default port being the same as none. Malformed values, "null"
// and values with a path never match.
func (s *OriginSet) Contains(header string) bool {
	if s == nil || header == "" {
		return false
	}
	o, why := canonicalOrigin(header)
	if why != "" {
		return false
	}
	_, ok := s.m[o]
	return ok
}

// List returns the allowed origins in canonical form, in configured order.
func (s *OriginSet) List() []Origin {
	if s == nil {
		return nil
	}
	return append([]Origin(nil), s.order...)
}
