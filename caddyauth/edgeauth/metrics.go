package edgeauth

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/mediagate/caddy-mediagate/internal/promreg"
)

// Outcomes counted by mediagate_edgeauth_requests_total.
const (
	outcomeAllowed   = "allowed"
	outcomeDenied    = "denied"
	outcomeAnonymous = "anonymous" // no valid token, continued under optional
)

// metrics are exported through Caddy's metrics registry (admin /metrics).
type metrics struct {
	requests *prometheus.CounterVec // by outcome, denial reason and token source
	minted   prometheus.Counter     // session cookies minted
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "mediagate", Subsystem: "edgeauth", Name: "requests_total",
			Help: "Requests judged by edgeauth, by outcome (allowed, denied, anonymous), denial reason and token source.",
		}, []string{"outcome", "reason", "source"}),
		minted: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "mediagate", Subsystem: "edgeauth", Name: "session_cookies_minted_total",
			Help: "Session cookie tokens minted from a valid query token.",
		}),
	}
	m.requests = promreg.Register(reg, m.requests)
	m.minted = promreg.Register(reg, m.minted)
	return m
}

func (m *metrics) count(outcome, reason, source string) {
	if m != nil {
		m.requests.WithLabelValues(outcome, reason, source).Inc()
	}
}

func (m *metrics) mintedCookie() {
	if m != nil {
		m.minted.Inc()
	}
}
