package edgeauth

import (
	"errors"
	"fmt"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/internal/authz"
)

// Defaults of the configuration.
const (
	DefaultParam           = "__token__"
	DefaultCookie          = "__token__"
	DefaultSessionLifetime = 4 * time.Hour
)

// Config is the EdgeAuth configuration shared by the handler and the
// authentication provider.
type Config struct {
	// Hex HMAC keys. Placeholders such as {env.EDGEAUTH_KEY} or
	// {file./run/secrets/key} are resolved at provision time; one value
	// may hold several keys separated by spaces or commas. Any key
	// verifies (rotation); the first one signs session cookies.
	Keys []string `json:"keys,omitempty"`
	// HMAC algorithm: sha256 (default), sha1 or md5.
	Algorithm string `json:"algorithm,omitempty"`
	// Query parameter carrying the token. Default: __token__.
	Query string `json:"query,omitempty"`
	// Cookie carrying the token. Default: __token__. The session cookie,
	// if named differently, is read too.
	Cookie string `json:"cookie,omitempty"`
	// Optional request header carrying the token.
	Header string `json:"header,omitempty"`
	// Optional salt appended to the HMAC input (placeholders allowed).
	Salt string `json:"salt,omitempty"`
	// Clock skew tolerated on exp and st. Default 10s; 0 disables.
	ClockSkew *caddy.Duration `json:"clock_skew,omitempty"`
	// Accept acl-less tokens that sign the request path.
	URLMode bool `json:"url_mode,omitempty"`
	// FieldDelimiter and ACLDelimiter, as the issuer's SDK was set
	// (default "~" and "!"). Minted session tokens use them too.
	FieldDelimiter string `json:"field_delimiter,omitempty"`
	ACLDelimiter   string `json:"acl_delimiter,omitempty"`
	// In URL mode, also try the path escaped like escape_early
	// generators (Python quote_plus, PHP rawurlencode).
	EscapeEarly bool `json:"escape_early,omitempty"`
	// Keep the token in the query string for the next handler (by
	// default it is removed).
	KeepToken bool `json:"keep_token,omitempty"`
	// Hybrid mode: a request authenticated by a query token receives a
	// cookie holding a fresh, longer-lived token.
	SessionCookie *SessionCookie `json:"session_cookie,omitempty"`
	// Path globs (path.Match) that require the query token; a cookie or
	// header alone is refused. A pattern without "/" is matched against
	// the last path element, otherwise against the whole decoded path.
	Entry []string `json:"entry,omitempty"`
	// Let requests without a valid token through, unauthenticated (only
	// for the handler; the provider leaves this to `authentication`).
	Optional bool `json:"optional,omitempty"`

	verifier *edgetoken.Verifier // the issuer's keys: every token source
	sessions *edgetoken.Verifier // the session keys: minted tokens, cookies only
	logger   *zap.Logger
	metrics  *metrics
	now      func() time.Time
	sameSite http.SameSite
	// entryPlaylists: an entry glob names playlists by extension, so every
	// object the serving handler finds to be a playlist is an entry too.
	entryPlaylists bool
}

// SessionCookie configures the hybrid session cookie.
type SessionCookie struct {
	// Cookie name. Default: the `cookie` name.
	Name string `json:"name,omitempty"`
	// Lifetime of the minted token and cookie. Default 4h.
	Lifetime caddy.Duration `json:"lifetime,omitempty"`
	// ACL of the minted token: "!"-separated literal path prefixes, each
	// ending in "*", with {http.request.uri.path.N} and
	// {http.request.uri.path.dir} filled from the canonical path. Default:
	// the entry's asset and, behind hls_proxy, its keys under key_path.
	// Whatever is configured, a prefix is minted only inside the entry's
	// asset or inside what the verified token covers (authz.MintACL).
	ACL string `json:"acl,omitempty"`
	// SameSite: lax (default), strict or none. The cookie is always
	// Secure and HttpOnly, with Path=/.
	SameSite string `json:"same_site,omitempty"`
	// Optional Domain attribute.
	Domain string `json:"domain,omitempty"`
	// Partitioned adds the CHIPS attribute, so a player embedded on another
	// site keeps the cookie; it implies SameSite=None.
	Partitioned bool `json:"partitioned,omitempty"`
}

// provision resolves secrets, applies defaults and validates.
func (c *Config) provision(logger *zap.Logger) error {
	c.logger = logger
	if c.now == nil {
		c.now = time.Now
	}
	repl := caddy.NewReplacer()
	keys, err := c.resolveKeys(repl)
	if err != nil {
		return err
	}
	alg, err := edgetoken.ParseAlgorithm(c.Algorithm)
	if err != nil {
		return fmt.Errorf("edgeauth: %w", err)
	}
	salt, err := repl.ReplaceOrErr(c.Salt, false, true)
	if err != nil {
		return fmt.Errorf("edgeauth salt: resolving placeholders: %w", err)
	}
	if c.Query == "" {
		c.Query = DefaultParam
	}
	if c.Cookie == "" {
		c.Cookie = DefaultCookie
	}
	if err := checkCookieName("cookie", c.Cookie); err != nil {
		return err
	}
	skew, err := c.skew()
	if err != nil {
		return err
	}
	delims, err := c.delimiters()
	if err != nil {
		return err
	}
	if c.EscapeEarly && !c.URLMode {
		return errors.New("edgeauth: escape_early only applies to url_mode")
	}
	for _, p := range c.Entry {
		if _, err := path.Match(p, ""); err != nil {
			return fmt.Errorf("edgeauth entry %q: %w", p, err)
		}
		for _, name := range []string{"index.m3u8", "master.m3u8", "index.m3u"} {
			if ok, _ := path.Match(strings.ToLower(p), name); ok && !strings.Contains(p, "/") {
				c.entryPlaylists = true
			}
		}
	}
	if err := c.SessionCookie.provision(c.Cookie); err != nil {
		return err
	}
	if c.SessionCookie != nil {
		c.sameSite = c.SessionCookie.sameSite()
	}
	c.verifier = &edgetoken.Verifier{
		Keys: keys, Algorithm: alg, Salt: salt, Skew: skew,
		URLMode: c.URLMode, EscapeEarly: c.EscapeEarly, Delimiters: delims,
	}
	if c.SessionCookie != nil {
		c.sessions = &edgetoken.Verifier{Keys: edgetoken.SessionKeys(keys), Algorithm: alg, Salt: salt, Skew: skew, Delimiters: delims}
	}
	return nil
}

func isKeySeparator(r rune) bool {
	return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
}

func (s *SessionCookie) provision(defaultName string) error {
	if s == nil {
		return nil
	}
	if s.Name == "" {
		s.Name = defaultName
	}
	if err := checkCookieName("session_cookie", s.Name); err != nil {
		return err
	}
	if s.Lifetime == 0 {
		s.Lifetime = caddy.Duration(DefaultSessionLifetime)
	}
	if err := checkLifetime(s.Lifetime); err != nil {
		return err
	}
	if err := checkSessionACL(s.ACL); err != nil {
		return err
	}
	if s.SameSite != "" {
		if err := checkSameSite(s.SameSite); err != nil {
			return err
		}
	}
	if s.Partitioned {
		if s.SameSite != "" && !strings.EqualFold(s.SameSite, "none") {
			return fmt.Errorf("edgeauth: session_cookie: partitioned needs same_site none, not %q", s.SameSite)
		}
		s.SameSite = "none"
	}
	return nil
}

func (s *SessionCookie) sameSite() http.SameSite {
	switch strings.ToLower(s.SameSite) {
	case "strict":
		return http.SameSiteStrictMode
	case "none":
		return http.SameSiteNoneMode
	}
	return http.SameSiteLaxMode
}

// validCookieName reports whether name is an RFC 6265 token.
func validCookieName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("()<>@,;:\\\"/[]?={}", c) >= 0 {
			return false
		}
	}
	return true
}

// delimiters validates the configured field and ACL delimiters.
func (c *Config) delimiters() (edgetoken.Delimiters, error) {
	var d edgetoken.Delimiters
	var err error
	if c.FieldDelimiter != "" {
		if d.Field, err = edgetoken.ParseDelimiter(c.FieldDelimiter); err != nil {
			return d, fmt.Errorf("edgeauth field_delimiter: %w", err)
		}
	}
	if c.ACLDelimiter != "" {
		if d.ACL, err = edgetoken.ParseDelimiter(c.ACLDelimiter); err != nil {
			return d, fmt.Errorf("edgeauth acl_delimiter: %w", err)
		}
	}
	if err := d.Validate(); err != nil {
		return d, fmt.Errorf("edgeauth: %w", err)
	}
	return d, nil
}

// resolveKeys resolves the keys' placeholders and parses every key (a value
// may hold several, separated by commas or spaces).
func (c *Config) resolveKeys(repl *caddy.Replacer) ([][]byte, error) {
	var keys [][]byte
	for i, raw := range c.Keys {
		val, err := repl.ReplaceOrErr(raw, true, true)
		if err != nil {
			return nil, fmt.Errorf("edgeauth key #%d: resolving placeholders: %w", i+1, err)
		}
		for _, part := range strings.FieldsFunc(val, isKeySeparator) {
			k, err := edgetoken.ParseKey(part)
			if err != nil {
				return nil, fmt.Errorf("edgeauth key #%d: %w", len(keys)+1, err)
			}
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil, errors.New("edgeauth: at least one key is required")
	}
	return keys, nil
}

// skew is the verifier's clock skew: edgetoken's default (10 s) when unset,
// none (-1) for clock_skew 0.
func (c *Config) skew() (time.Duration, error) {
	switch {
	case c.ClockSkew == nil:
		return 0, nil
	case *c.ClockSkew == 0:
		return -1, nil
	}
	if err := checkClockSkew(*c.ClockSkew); err != nil {
		return 0, err
	}
	return time.Duration(*c.ClockSkew), nil
}

// checkClockSkew is the one rule for clock_skew (Caddyfile and JSON): not
// negative; 0 means none.
func checkClockSkew(d caddy.Duration) error {
	if d < 0 {
		return errors.New("edgeauth: clock_skew must not be negative")
	}
	return nil
}

// checkLifetime is the one rule for session_cookie lifetime (Caddyfile and JSON).
func checkLifetime(d caddy.Duration) error {
	if time.Duration(d) < time.Second {
		return fmt.Errorf("edgeauth: session_cookie: lifetime %s: must be at least 1s", time.Duration(d))
	}
	return nil
}

// checkCookieName is the one rule for the cookie names (cookie,
// session_cookie <name>), in the Caddyfile and JSON: an RFC 6265 token.
func checkCookieName(what, name string) error {
	if !validCookieName(name) {
		return fmt.Errorf("edgeauth: %s: invalid cookie name %q", what, name)
	}
	return nil
}

// checkSessionACL is the one rule for session_cookie acl (empty: the default).
func checkSessionACL(acl string) error {
	if acl == "" {
		return nil
	}
	if err := authz.CheckTemplate(acl); err != nil {
		return fmt.Errorf("edgeauth: session_cookie: %w", err)
	}
	return nil
}

// checkSameSite is the one rule for session_cookie same_site.
func checkSameSite(v string) error {
	switch strings.ToLower(v) {
	case "lax", "strict", "none":
		return nil
	}
	return fmt.Errorf("edgeauth: session_cookie: same_site %q: want lax, strict or none", v)
}
