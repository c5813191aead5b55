package hlsproxy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/mediagate/caddy-mediagate/hlsproxy/damrule"
	"github.com/mediagate/caddy-mediagate/internal/caddyfilex"
	"github.com/mediagate/caddy-mediagate/internal/promreg"
)

// httpRule holds the settings of `asset_policy http`: the DAM's rule
// endpoint is asked, per asset, whether the asset must be tokenized. The
// contract of the endpoint is in hlsproxy/damrule and docs/dam.md.
type httpRule struct {
	// URL is the rule endpoint, with {asset} in its path or query.
	URL string `json:"url,omitempty"`
	// Cache is how long an answer is reused for an asset. Default 5m.
	Cache caddy.Duration `json:"cache,omitempty"`
	// Timeout of one call; a timeout, an error, a non-2xx status or a
	// malformed answer makes the asset protected. Default 2s.
	Timeout caddy.Duration `json:"timeout,omitempty"`
	// AssetDepth is how many leading segments of the object key name the
	// asset ({asset}). Default 1: a/720p/seg0.ts belongs to asset a.
	AssetDepth int `json:"asset_depth,omitempty"`

	tmpl damrule.Template
	rule *damrule.Checker
}

// provisionHTTP validates source http (at adapt time and at provision).
func (p *AssetPolicy) provisionHTTP() error {
	if p.Header != "" || p.Default != "" {
		return errors.New("asset_policy http: header and default apply to source metadata (a failure is always protected)")
	}
	tmpl, err := damrule.ParseTemplate(p.URL)
	if err != nil {
		return fmt.Errorf("asset_policy http: %w", err)
	}
	p.tmpl = tmpl
	if p.Cache == 0 {
		p.Cache = caddy.Duration(damrule.DefaultTTL)
	}
	if p.Timeout == 0 {
		p.Timeout = caddy.Duration(damrule.DefaultTimeout)
	}
	if p.AssetDepth == 0 {
		p.AssetDepth = 1
	}
	switch {
	case p.Cache < 0 || time.Duration(p.Cache) > 24*time.Hour:
		return fmt.Errorf("asset_policy http: cache %s: want a positive duration up to 24h", time.Duration(p.Cache))
	case p.Timeout < 0 || time.Duration(p.Timeout) > time.Minute:
		return fmt.Errorf("asset_policy http: timeout %s: want a positive duration up to 1m", time.Duration(p.Timeout))
	case p.AssetDepth < 0 || p.AssetDepth > 16:
		return fmt.Errorf("asset_policy http: asset_depth %d: want 1 to 16", p.AssetDepth)
	}
	return nil
}

// startAssetRule builds the rule client of source http, with its metrics
// and its log line for fail-closed decisions.
func (h *Handler) startAssetRule(ctx caddy.Context) {
	p := h.AssetPolicy
	if p == nil || p.Source != "http" {
		return
	}
	m := newRuleMetrics(ctx)
	logger := h.logger
	p.rule = damrule.New(damrule.Options{
		Template: p.tmpl,
		Client:   &http.Client{Transport: http.DefaultTransport},
		Timeout:  time.Duration(p.Timeout),
		TTL:      time.Duration(p.Cache),
		OnLookup: func(l damrule.Lookup) {
			m.lookups.WithLabelValues(l.Source, strconv.FormatBool(l.Protected)).Inc()
			if l.Failure != nil && l.Source == damrule.SourceDAM {
				m.failures.WithLabelValues(l.Failure.Reason).Inc()
				logger.Warn("asset rule gave no answer; asset treated as protected",
					zap.String("asset", l.Asset), zap.String("reason", l.Failure.Reason), zap.Error(l.Failure.Err))
			}
		},
	})
}

// assetProtected decides for a request the proxy would otherwise serve
// without a token: from the origin's metadata, or from the DAM's rule for
// the request's asset. The rule call has its own timeout (and is shared
// by concurrent requests for the asset), so it needs no request context.
func (h *Handler) assetProtected(q *request, hdr http.Header) bool {
	p := h.AssetPolicy
	if p.Source != "http" {
		return p.protected(hdr)
	}
	if p.rule == nil {
		return true
	}
	return p.rule.Protected(context.Background(), damrule.AssetOf(q.key, p.AssetDepth))
}

type ruleMetrics struct {
	lookups  *prometheus.CounterVec // by result (cache_hit, fetched, coalesced) and protected
	failures *prometheus.CounterVec // by reason (timeout, unreachable, status, malformed)
}

func newRuleMetrics(ctx caddy.Context) ruleMetrics {
	const ns, sub = "mediagate", "hls_proxy"
	m := ruleMetrics{
		lookups: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "asset_rule_lookups_total",
			Help: "Asset protection decisions of asset_policy http, by result (cache_hit, fetched, coalesced) and protected."},
			[]string{"result", "protected"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "asset_rule_failures_total",
			Help: "Calls to the DAM's rule endpoint that gave no answer (the asset is then protected), by reason."},
			[]string{"reason"}),
	}
	reg := ctx.GetMetricsRegistry()
	m.lookups = promreg.Register(reg, m.lookups)
	m.failures = promreg.Register(reg, m.failures)
	return m
}

// unmarshalHTTPPolicy parses `asset_policy http <url-template> { … }`
// (args are the tokens after "http"); the syntax is in UnmarshalCaddyfile.
func unmarshalHTTPPolicy(d *caddyfile.Dispenser, args []string) (*AssetPolicy, error) {
	if len(args) != 1 {
		return nil, d.Err("asset_policy http: want one URL template, e.g. https://dam.example.com/rule?asset={asset}")
	}
	p := &AssetPolicy{Source: "http", httpRule: httpRule{URL: args[0]}}
	blk := caddyfilex.NewBlock("hls_proxy: asset_policy http")
	err := blk.Each(d, func(name string) error {
		var err error
		switch name {
		case "cache":
			err = durationArg(d, "asset_policy http: cache", &p.Cache)
		case "timeout":
			err = durationArg(d, "asset_policy http: timeout", &p.Timeout)
		case "asset_depth":
			var v string
			if v, err = caddyfilex.OneArg(d); err == nil {
				n, perr := strconv.Atoi(v)
				if perr != nil || n < 1 {
					return d.Errf("asset_policy http: asset_depth %q: want a positive number", v)
				}
				p.AssetDepth = n
			}
		default:
			return blk.Unknown(d)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := caddyfilex.Rule(d, p.provision()); err != nil {
		return nil, err
	}
	return p, nil
}
