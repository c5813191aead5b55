package hlsproxy

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/mediagate/caddy-mediagate/hlsproxy/llhold"
)

// The blocking reloads the proxy holds, as series: llhold reports through
// llhold.Observer (it has no Prometheus import) and names no playlist, so
// no label can hold a path, token or asset.

// provisionHeld creates the held-reload series (registered by provisionMetrics).
func (m *metrics) provisionHeld() {
	const ns, sub = "mediagate", "hls_proxy"
	m.held = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "held_requests",
		Help: "Blocking playlist reloads (_HLS_msn) the proxy holds now, waiting for the playlist to advance."})
	m.pollers = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "playlist_pollers",
		Help: "Playlist objects polled for held blocking reloads now (one poller each, polling or lingering)."})
	m.reloads = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "blocking_reloads_total",
		Help: "Blocking playlist reloads the proxy decided, by outcome (answered, timed_out, refused, client_gone, closed, failed)."},
		[]string{"outcome"})
}

// heldObserver counts a hub's waits and pollers in m.
type heldObserver struct{ m *metrics }

func (o heldObserver) Waiting(delta int)        { o.m.held.Add(float64(delta)) }
func (o heldObserver) Polling(delta int)        { o.m.pollers.Add(float64(delta)) }
func (o heldObserver) Outcome(c llhold.Outcome) { o.m.reloads.WithLabelValues(c.String()).Inc() }

// observer is the llhold.Observer of this handler's hub.
func (m *metrics) observer() llhold.Observer { return heldObserver{m} }

var _ llhold.Observer = heldObserver{}
