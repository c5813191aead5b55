package edgeauth

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp/caddyauth"
	"go.uber.org/zap/zapcore"
)

func init() {
	caddy.RegisterModule(Provider{})
}

// Provider is the EdgeAuth authentication provider for Caddy's
// `authentication` handler (JSON configs):
//
//	{"handler": "authentication", "providers": {"edgeauth": {"keys": ["{env.EDGEAUTH_KEY}"]}}}
//
// It shares the handler's configuration and checks. A request without a
// valid token is unauthenticated and `authentication` answers 401 (the
// reason is still in {http.auth.edgeauth.reason}); use the edgeauth
// handler for 403 denials. `optional` does not apply here.
type Provider struct {
	Config
}

// CaddyModule returns the Caddy module information.
func (Provider) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.authentication.providers.edgeauth",
		New: func() caddy.Module { return new(Provider) },
	}
}

// Provision resolves the keys and salt and validates the configuration.
func (p *Provider) Provision(ctx caddy.Context) error {
	p.metrics = newMetrics(ctx.GetMetricsRegistry())
	if p.SessionCookie != nil {
		// A provider cannot see the answer's status, and a session cookie
		// is minted only on a 2xx entry.
		return errors.New("edgeauth provider: session_cookie needs the edgeauth handler")
	}
	return p.provision(ctx.Logger())
}

// Authenticate implements caddyauth.Authenticator.
func (p *Provider) Authenticate(w http.ResponseWriter, r *http.Request) (caddyauth.User, bool, error) {
	res := p.check(r)
	if res.token == nil {
		p.reject(r, res)
		p.metrics.count(outcomeDenied, res.failure.Reason, "")
		p.logDenial(zapcore.InfoLevel, "edgeauth: not authenticated", r, res)
		return caddyauth.User{}, false, nil
	}
	p.accept(r, res)
	id := res.token.ID
	if id == "" {
		id = "edgeauth"
	}
	return caddyauth.User{
		ID: id,
		Metadata: map[string]string{
			"data": res.token.Data,
			"exp":  strconv.FormatInt(res.token.Expires, 10),
			"acl":  res.token.ACL,
		},
	}, true, nil
}

// Interface guards
var (
	_ caddy.Provisioner       = (*Provider)(nil)
	_ caddyauth.Authenticator = (*Provider)(nil)
)
