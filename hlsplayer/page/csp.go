package page

import (
	"fmt"
	"net/url"
	"strings"
)

// DefaultFrameAncestors lets only the media host itself frame the page.
var DefaultFrameAncestors = []string{"'self'"}

// CheckFrameAncestor validates one frame-ancestors source: 'self', 'none'
// (alone), or an origin such as https://www.example.com or
// https://*.example.com[:port], with no path.
func CheckFrameAncestor(s string) error {
	switch s {
	case "'self'", "'none'":
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
		u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil || strings.ContainsAny(s, " ;,'\"") {
		return fmt.Errorf("frame_ancestors %q: want 'self', 'none' or an origin such as https://www.example.com", s)
	}
	host := u.Hostname()
	if strings.Contains(strings.TrimPrefix(host, "*."), "*") {
		return fmt.Errorf("frame_ancestors %q: a wildcard only as the first label (https://*.example.com)", s)
	}
	return nil
}

// CheckFrameAncestors validates a list; 'none' must be alone.
func CheckFrameAncestors(list []string) error {
	for _, s := range list {
		if err := CheckFrameAncestor(s); err != nil {
			return err
		}
		if s == "'none'" && len(list) > 1 {
			return fmt.Errorf("frame_ancestors: 'none' excludes any other source")
		}
	}
	return nil
}

// ContentSecurityPolicy is the policy of the player and error pages:
// everything from the media host only (media from blob: for MSE), no inline
// script, and embedding only by frameAncestors.
func ContentSecurityPolicy(frameAncestors []string) string {
	if len(frameAncestors) == 0 {
		frameAncestors = DefaultFrameAncestors
	}
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"media-src 'self' blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; " +
		"frame-ancestors " + strings.Join(frameAncestors, " ")
}
