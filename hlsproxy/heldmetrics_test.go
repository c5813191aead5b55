package hlsproxy

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// heldSite is blocking_reload proxy in front of the LL-HLS stand-in,
// provisioned on a context whose metrics registry the test reads.
func heldSite(t *testing.T) (*testutil.LLHLS, *Handler, *prometheus.Registry) {
	t.Helper()
	ll := testutil.StartLLHLS(t, 8)
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	t.Cleanup(cancel)
	h := &Handler{Origins: []OriginConfig{{URL: ll.URL}}, BlockingReload: reloadProxy, ObjectCache: "3MiB",
		Timeout: caddy.Duration(500 * time.Millisecond)}
	if err := h.Provision(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Cleanup() })
	return ll, h, ctx.GetMetricsRegistry()
}

// gathered is every mediagate_hls_proxy_ sample of reg: name{labels} -> value.
func gathered(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if !strings.HasPrefix(mf.GetName(), "mediagate_hls_proxy_") {
			continue
		}
		for _, m := range mf.GetMetric() {
			var ls []string
			for _, l := range m.GetLabel() {
				ls = append(ls, l.GetName()+"="+l.GetValue())
			}
			out[mf.GetName()+"{"+strings.Join(ls, ",")+"}"] = value(m)
		}
	}
	return out
}

func value(m *dto.Metric) float64 {
	switch {
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Counter != nil:
		return m.Counter.GetValue()
	}
	return 0
}

// waitSeries polls reg until series has value want (1 s).
func waitSeries(t *testing.T, reg *prometheus.Registry, series string, want float64) {
	t.Helper()
	for deadline := time.Now().Add(time.Second); ; time.Sleep(10 * time.Millisecond) {
		got, ok := gathered(t, reg)[series]
		if ok && got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s = %v (exported %v), want %v", series, got, ok, want)
		}
	}
}

// heldGet sends a blocking reload on ctx and returns its status.
func heldGet(ctx context.Context, h *Handler, target string) int {
	r := httptest.NewRequest(http.MethodGet, target, nil).WithContext(ctx)
	r = r.WithContext(context.WithValue(r.Context(), caddyhttp.VarsCtxKey, map[string]any{}))
	w := httptest.NewRecorder()
	if err := h.ServeHTTP(w, r, nil); err != nil {
		if he, ok := err.(caddyhttp.HandlerError); ok {
			return he.StatusCode
		}
		return 500
	}
	return w.Code
}

func TestHeldReloadSeriesCountWaitingRequestsThePollerAndEachOutcome(t *testing.T) {
	ll, h, reg := heldSite(t)
	for _, o := range []string{"answered", "timed_out", "refused", "client_gone", "closed", "failed"} {
		waitSeries(t, reg, `mediagate_hls_proxy_blocking_reloads_total{outcome=`+o+`}`, 0)
	}
	waitSeries(t, reg, "mediagate_hls_proxy_held_requests{}", 0)
	waitSeries(t, reg, "mediagate_hls_proxy_playlist_pollers{}", 0)
	waitSeries(t, reg, "mediagate_hls_proxy_object_cache_capacity_bytes{}", 3<<20)

	next := fmt.Sprintf("/live/index.m3u8?_HLS_msn=%d", ll.LastMSN()+1)
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			if st := heldGet(context.Background(), h, next); st != 200 {
				t.Errorf("held reload answered %d, want 200", st)
			}
		})
	}
	gone, leave := context.WithCancel(context.Background())
	wg.Go(func() { heldGet(gone, h, next) })
	waitSeries(t, reg, "mediagate_hls_proxy_held_requests{}", 4)
	waitSeries(t, reg, "mediagate_hls_proxy_playlist_pollers{}", 1)
	leave()
	waitSeries(t, reg, "mediagate_hls_proxy_blocking_reloads_total{outcome=client_gone}", 1)
	waitSeries(t, reg, "mediagate_hls_proxy_held_requests{}", 3)
	for range 4 { // a segment is four parts
		ll.Publish()
	}
	wg.Wait()
	waitSeries(t, reg, "mediagate_hls_proxy_blocking_reloads_total{outcome=answered}", 3)
	waitSeries(t, reg, "mediagate_hls_proxy_held_requests{}", 0)

	_ = h.Cleanup() // a config reload: the poller ends
	waitSeries(t, reg, "mediagate_hls_proxy_playlist_pollers{}", 0)
	for s := range gathered(t, reg) {
		if strings.Contains(s, "live") || strings.Contains(s, "index") || strings.Contains(s, "m3u8") {
			t.Errorf("series %s names the playlist", s)
		}
	}
}
