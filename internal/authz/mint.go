package authz

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/mediagate/caddy-mediagate/internal/canon"
)

// The minting rule. A session token minted for a view carries only literal
// path prefixes (each ACL entry is "<prefix>*"), and every prefix lies inside
// what the view may reach:
//
//   - the entry's asset: the directory of the entry path (or the asset the
//     serving handler reported, which must contain the entry) and that
//     asset's key directory under key_path — a token verified on an asset's
//     entry starts a view of that asset, whatever file of it the issuer
//     named (PHP sites sign "<playlist>*");
//   - or a prefix the verified token itself covers ("<prefix>*" entries).
//
// The root of the asset tree is no asset: an entry directly under
// strip_prefix (or at "/" when nothing is stripped, or behind handle_path)
// has no asset to grant, so its session token carries only the literal
// directory prefixes the verified token itself covered — minted ⊆ verified — and none
// at all when the token covered no literal prefix (an exact ACL, a URL-mode
// token, a playlist-star token that covers no directory): ErrRootEntry,
// logged by edgeauth. The same holds for a serving
// handler that reports an empty View, and, when no handler reports one, for
// an entry whose directory is "/".
//
// No byte of a prefix may be a metacharacter of the token grammar or of
// ACL matching — "!" "*" "?" "~" "%" once decoded — so nothing the request
// spells can add an ACL entry or a wildcard. A prefix that breaks a rule
// means no session token at all.

// ErrUnsafePrefix means a minted prefix would hold a metacharacter or is
// not a canonical path prefix.
var ErrUnsafePrefix = errors.New("session acl prefix is not a literal canonical path prefix")

// ErrOutsideGrant means a minted prefix is outside the entry's asset and
// outside what the verified token covers.
var ErrOutsideGrant = errors.New("session acl prefix is outside the verified token and the entry's asset")

// ErrRootEntry means the entry sits at the root of the asset tree (it
// belongs to no asset) and the verified token covers no literal prefix, so
// nothing may be minted.
var ErrRootEntry = errors.New("entry is at the root of the asset tree and its token covers no literal prefix: no session token")

// metachars may never appear in a minted prefix, raw or decoded.
const metachars = "!*?~%"

// MintACL returns the ACL entries of the session token for a view that
// starts at entry, verified by a token whose ACL entries are verified (as
// received; empty for a URL-mode token). configured holds the session_cookie
// acl entries after Expand (nil: the default, the asset and its keys, or for
// a root-level entry the literal prefixes the token covers).
func MintACL(verified []string, entry canon.Path, view *View, configured []string) ([]string, error) {
	v, err := viewOf(entry, view)
	if err != nil {
		return nil, err
	}
	prefixes := configured
	if prefixes == nil {
		if prefixes = v.prefixes(); prefixes == nil {
			if prefixes = coveredDirs(verified); prefixes == nil {
				return nil, ErrRootEntry
			}
		}
	}
	out := make([]string, 0, len(prefixes))
	for _, p := range prefixes {
		lit := strings.TrimSuffix(p, "*")
		if err := CheckPrefix(lit); err != nil {
			return nil, err
		}
		if !inGrant(lit, v, verified) {
			return nil, fmt.Errorf("%w: %q", ErrOutsideGrant, lit)
		}
		out = append(out, lit+"*")
	}
	return out, nil
}

// viewOf is the asset the entry belongs to: the one the serving handler
// reported (which must contain the entry), or else the entry's directory.
// An empty AssetDir is the root of the asset tree: no asset, and so no key
// directory either (a key directory without an asset is every asset's keys).
func viewOf(entry canon.Path, view *View) (View, error) {
	if view == nil {
		if d := entry.Dir(); d != "/" {
			return View{AssetDir: d}, nil
		}
		return View{}, nil
	}
	if view.AssetDir == "" || view.AssetDir == "/" {
		return View{}, nil
	}
	if !strings.HasPrefix(entry.Escaped, view.AssetDir) {
		return View{}, fmt.Errorf("%w: asset %q does not contain the entry", ErrOutsideGrant, view.AssetDir)
	}
	return *view, nil
}

// prefixes is the default grant of a view: its asset and its keys, or nil
// at the root of the asset tree.
func (v View) prefixes() []string {
	if v.AssetDir == "" {
		return nil
	}
	if v.KeyDir == "" {
		return []string{v.AssetDir}
	}
	return []string{v.AssetDir, v.KeyDir}
}

// coveredPrefixes returns the literal "<prefix>*" entries of the verified
// token's ACL (nil when it has none: an exact ACL or a URL-mode token).
// The entries come split at the token's ACL delimiter; an entry that still
// holds a metacharacter ("!" under another delimiter is a literal byte of
// its pattern, an escape may hide anything) covers no literal prefix here.
func coveredPrefixes(verified []string) []string {
	var out []string
	for _, part := range verified {
		vl, ok := strings.CutSuffix(part, "*")
		if ok && vl != "" && !strings.ContainsAny(vl, metachars) {
			out = append(out, vl)
		}
	}
	return out
}

// CheckDelimiters refuses minted entries that hold, raw or once decoded,
// a byte of delims: the session token's field and ACL delimiters. Under an
// acl_delimiter other than "!" that byte is an ordinary path byte, and
// minted into an ACL it would split it (the verifier decodes an ACL once,
// then splits it), adding an entry the request spelled.
func CheckDelimiters(acls []string, delims string) error {
	for _, a := range acls {
		lit := strings.TrimSuffix(a, "*")
		dec, ok := canon.Unescape(lit)
		if !ok || strings.ContainsAny(lit, delims) || strings.ContainsAny(dec, delims) {
			return fmt.Errorf("%w: %q holds a delimiter of the session token", ErrUnsafePrefix, a)
		}
	}
	return nil
}

// CheckPrefix accepts a literal canonical escaped path prefix without
// metacharacters, raw or decoded.
func CheckPrefix(lit string) error {
	if lit == "" || lit[0] != '/' || strings.ContainsAny(lit, metachars[:4]) {
		return ErrUnsafePrefix
	}
	p, err := canon.Parse(lit)
	if err != nil || p.Escaped != lit || strings.ContainsAny(p.Decoded, metachars) {
		return ErrUnsafePrefix
	}
	return nil
}

// coveredDirs are the covered prefixes that are directories ("/hls/"):
// the default grant of a root-level entry. A playlist-star token for a
// root-level playlist ("/hls/index.m3u8*") covers no directory, so it
// mints nothing.
func coveredDirs(verified []string) []string {
	var out []string
	for _, p := range coveredPrefixes(verified) {
		if strings.HasSuffix(p, "/") {
			out = append(out, p)
		}
	}
	return out
}

// inGrant reports whether the literal prefix lit lies inside the view
// (never the root: an empty AssetDir grants nothing) or inside a
// "<prefix>*" entry of the verified token.
func inGrant(lit string, v View, verified []string) bool {
	if v.AssetDir != "" && (strings.HasPrefix(lit, v.AssetDir) || v.KeyDir != "" && strings.HasPrefix(lit, v.KeyDir)) {
		return true
	}
	for _, vl := range coveredPrefixes(verified) {
		if strings.HasPrefix(lit, vl) {
			return true
		}
	}
	return false
}

// Placeholders a session_cookie acl may use. They expand from the
// canonical request path only, one escaped segment each.
const (
	phPathPrefix = "{http.request.uri.path."
	phDir        = "{http.request.uri.path.dir}"
)

// CheckTemplate validates a configured session acl at provision time: each
// "!"-separated entry is a literal prefix with an optional trailing "*" and
// only {http.request.uri.path.N} / {http.request.uri.path.dir} placeholders.
func CheckTemplate(acl string) error {
	if acl == "" {
		return errors.New("empty acl")
	}
	for part := range strings.SplitSeq(acl, "!") {
		lit := strings.TrimSuffix(part, "*")
		rest := lit
		for {
			i := strings.IndexByte(rest, '{')
			if i < 0 {
				break
			}
			j := strings.IndexByte(rest[i:], '}')
			if j < 0 {
				return fmt.Errorf("acl %q: unclosed placeholder", part)
			}
			if _, ok := placeholderIndex(rest[i : i+j+1]); !ok {
				return fmt.Errorf("acl %q: only {http.request.uri.path.N} and {http.request.uri.path.dir} may be used", part)
			}
			rest = rest[i+j+1:]
		}
		if strings.ContainsAny(rest, "}") {
			return fmt.Errorf("acl %q: stray '}'", part)
		}
		probe, _ := Expand(part, canon.Path{Decoded: "/x/x/x/x/x/x/x/x/x", Escaped: "/x/x/x/x/x/x/x/x/x"})
		for _, p := range probe {
			if err := CheckPrefix(strings.TrimSuffix(p, "*")); err != nil {
				return fmt.Errorf("acl %q: want a literal path prefix such as /hls/{http.request.uri.path.1}/*", part)
			}
		}
	}
	return nil
}

// placeholderIndex parses {http.request.uri.path.N} (N >= 0) or .dir (-1).
func placeholderIndex(ph string) (int, bool) {
	if ph == phDir {
		return -1, true
	}
	num, ok := strings.CutPrefix(ph, phPathPrefix)
	if !ok || !strings.HasSuffix(num, "}") {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSuffix(num, "}"))
	return n, err == nil && n >= 0 && n < 64
}

// Expand fills the placeholders of a configured session acl from the
// canonical request path: {http.request.uri.path.N} is the N-th segment
// (0-based) in canonical escaped form, {http.request.uri.path.dir} the
// escaped directory without its trailing "/". A missing or empty segment is
// an error (no session token), never an empty string.
func Expand(acl string, p canon.Path) ([]string, error) {
	segs := strings.Split(p.Escaped[1:], "/")
	var out []string
	for part := range strings.SplitSeq(acl, "!") {
		var b strings.Builder
		rest := part
		for {
			i := strings.IndexByte(rest, '{')
			if i < 0 {
				b.WriteString(rest)
				break
			}
			j := strings.IndexByte(rest[i:], '}')
			if j < 0 {
				return nil, fmt.Errorf("acl %q: unclosed placeholder", part)
			}
			n, ok := placeholderIndex(rest[i : i+j+1])
			if !ok {
				return nil, fmt.Errorf("acl %q: unknown placeholder", part)
			}
			b.WriteString(rest[:i])
			switch {
			case n < 0:
				b.WriteString(strings.TrimSuffix(p.Dir(), "/"))
			case n < len(segs) && segs[n] != "":
				b.WriteString(segs[n])
			default:
				return nil, fmt.Errorf("acl %q: the request path has no segment %d", part, n)
			}
			rest = rest[i+j+1:]
		}
		out = append(out, b.String())
	}
	return out, nil
}
