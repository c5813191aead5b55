package hlsproxy

import (
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/mediagate/caddy-mediagate/hlsproxy/llhold"
	"github.com/mediagate/caddy-mediagate/hlsproxy/origin"
	"github.com/mediagate/caddy-mediagate/internal/promreg"
)

// metrics are exported through Caddy's metrics registry (admin /metrics).
type metrics struct {
	requests      *prometheus.CounterVec   // by kind (playlist, segment, key, object) and outcome
	originEvents  *prometheus.CounterVec   // by origin and event (failure, skip, open, half_open, close)
	originLatency *prometheus.HistogramVec // time to response headers, by origin
	bytes         *prometheus.CounterVec   // body bytes sent, by kind
	cryptoErrors  *prometheus.CounterVec   // by reason
	denials       *prometheus.CounterVec   // by reason
	// The origin shield (objcache): no label names a path, token or asset.
	originRequests *prometheus.CounterVec // by kind: object, range, tail, conditional, head
	lookups        *prometheus.CounterVec // whole-object fetches by result: hit, miss, coalesced, revalidated
	outputs        *prometheus.CounterVec // transformed outputs (encrypt, reencrypt) from object_cache, by result
	encryptions    prometheus.Counter     // delivery CBC chains started (per uncached request, once per cached output)
	cachedBytes    prometheus.Gauge
	evictions      prometheus.Counter
	refused        prometheus.Counter // callers over the waiter bound
	cacheCapacity  prometheus.Gauge   // configured object_cache sizes, summed over handlers
	// Blocking reloads the proxy holds (llhold): no label names a playlist.
	held    prometheus.Gauge       // requests waiting now
	pollers prometheus.Gauge       // playlist pollers running (polling or lingering)
	reloads *prometheus.CounterVec // blocking reloads by outcome (llhold.Outcome)
}

func provisionMetrics(ctx caddy.Context) *metrics {
	const ns, sub = "mediagate", "hls_proxy"
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "requests_total",
			Help: "Requests handled by hls_proxy, by kind and outcome."}, []string{"kind", "outcome"}),
		originEvents: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "origin_events_total",
			Help: "Origin failures, failovers and circuit breaker transitions."}, []string{"origin", "event"}),
		originLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Subsystem: sub, Name: "origin_response_seconds",
			Help: "Time until an origin's response headers.", Buckets: prometheus.DefBuckets}, []string{"origin"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "response_bytes_total",
			Help: "Body bytes sent to clients, by kind."}, []string{"kind"}),
		cryptoErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "crypto_errors_total",
			Help: "Segments or keys that could not be decrypted or encrypted."}, []string{"reason"}),
		denials: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "denials_total",
			Help: "Requests refused by hls_proxy, by reason."}, []string{"reason"}),
		originRequests: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "origin_requests_total",
			Help: "Requests sent to origins, by kind (object, range, tail, conditional, head)."}, []string{"kind"}),
		lookups: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "object_fetches_total",
			Help: "Whole-object fetches through the origin shield, by result (hit, miss, coalesced, revalidated)."}, []string{"result"}),
		outputs: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "output_fetches_total",
			Help: "Encrypted segment outputs (encrypt, reencrypt) through object_cache, by result (hit, miss, coalesced)."}, []string{"result"}),
		encryptions: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "segment_encryptions_total",
			Help: "Delivery AES-128 encryptions started: one per request uncached, one per output with object_cache."}),
		cachedBytes: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "object_cache_bytes",
			Help: "Bytes held by object_cache (bodies and headers)."}),
		evictions: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "object_cache_evictions_total",
			Help: "Objects object_cache dropped to make room."}),
		refused: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "origin_waiters_refused_total",
			Help: "Requests answered 503 because too many were already waiting for origin answers."}),
		cacheCapacity: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "object_cache_capacity_bytes",
			Help: "Configured object_cache sizes, summed over the hls_proxy handlers (0: off)."}),
	}
	m.provisionHeld()
	reg := ctx.GetMetricsRegistry()
	m.originRequests = promreg.Register(reg, m.originRequests)
	m.lookups = promreg.Register(reg, m.lookups)
	m.outputs = promreg.Register(reg, m.outputs)
	m.encryptions = promreg.Register(reg, m.encryptions)
	m.cachedBytes = promreg.Register(reg, m.cachedBytes)
	m.evictions = promreg.Register(reg, m.evictions)
	m.refused = promreg.Register(reg, m.refused)
	m.cacheCapacity = promreg.Register(reg, m.cacheCapacity)
	m.held = promreg.Register(reg, m.held)
	m.pollers = promreg.Register(reg, m.pollers)
	m.reloads = promreg.Register(reg, m.reloads)
	for _, o := range llhold.Outcomes() {
		m.reloads.WithLabelValues(o.String()) // every outcome exported, at 0 until it happens
	}
	m.requests = promreg.Register(reg, m.requests)
	m.originEvents = promreg.Register(reg, m.originEvents)
	m.originLatency = promreg.Register(reg, m.originLatency)
	m.bytes = promreg.Register(reg, m.bytes)
	m.cryptoErrors = promreg.Register(reg, m.cryptoErrors)
	m.denials = promreg.Register(reg, m.denials)
	return m
}

func (m *metrics) request(kind, outcome string) { m.requests.WithLabelValues(kind, outcome).Inc() }
func (m *metrics) sent(kind string, n int64)    { m.bytes.WithLabelValues(kind).Add(float64(n)) }
func (m *metrics) cryptoError(reason string)    { m.cryptoErrors.WithLabelValues(reason).Inc() }
func (m *metrics) denied(reason string)         { m.denials.WithLabelValues(reason).Inc() }

func (m *metrics) originRequest(kind string)   { m.originRequests.WithLabelValues(kind).Inc() }
func (m *metrics) cacheOutcome(result string)  { m.lookups.WithLabelValues(result).Inc() }
func (m *metrics) outputOutcome(result string) { m.outputs.WithLabelValues(result).Inc() }
func (m *metrics) encrypted()                  { m.encryptions.Inc() }
func (m *metrics) cacheBusy()                  { m.refused.Inc() }
func (m *metrics) cacheEvicted()               { m.evictions.Inc() }
func (m *metrics) cacheStored(delta int64)     { m.cachedBytes.Add(float64(delta)) }
func (m *metrics) cacheSized(size int64)       { m.cacheCapacity.Add(float64(size)) }

func (m *metrics) originResponse(name string, since time.Time) {
	m.originLatency.WithLabelValues(name).Observe(time.Since(since).Seconds())
}

func (m *metrics) originEvent(e origin.Event) {
	m.originEvents.WithLabelValues(e.Origin, e.Type.String()).Inc()
}
