package edgeauth

import (
	"go.uber.org/zap"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
)

// CaddyfileStateKey is where the edgeauth Caddyfile parser leaves the
// *Config it parsed, in httpcaddyfile.Helper.State, so that a directive
// after it in the same site (hls_player) checks tokens the same way.
// State spans the whole Caddyfile: the entry is that of the edgeauth block
// parsed last, which a reader must keep in mind.
const CaddyfileStateKey = "mediagate.edgeauth.config"

// TokenVerifier provisions a copy of c as the handler would (keys and salt
// resolved, defaults applied, everything validated) and returns its
// verifier and the query parameter tokens come in. For modules that check
// a token exactly as edgeauth does, such as hls_player.
func (c Config) TokenVerifier() (*edgetoken.Verifier, string, error) {
	if c.SessionCookie != nil {
		sc := *c.SessionCookie
		c.SessionCookie = &sc
	}
	c.metrics = nil
	if err := c.provision(zap.NewNop()); err != nil {
		return nil, "", err
	}
	return c.verifier, c.Query, nil
}
