package hlsplayer

import (
	"github.com/caddyserver/caddy/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/mediagate/caddy-mediagate/internal/promreg"
)

// newPagesCounter counts the pages hls_player answers, by outcome: "player"
// for a valid token, else the refusal's reason (missing, expired, …).
func newPagesCounter(ctx caddy.Context) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "mediagate", Subsystem: "hls_player", Name: "pages_total",
		Help: "Embed pages answered by hls_player: player for a valid token, else the refusal reason."}, []string{"outcome"})
	return promreg.Register(ctx.GetMetricsRegistry(), c)
}
