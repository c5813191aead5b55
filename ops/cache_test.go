package ops

import (
	"testing"
)

// The object cache part of the fleet test: /hls keeps objects in
// object_cache, and one stream is viewed again and again, on both
// instances, in both rounds; the other views are of streams seen once.

// cacheSize is each instance's object_cache (the /hls route's).
const cacheSize int64 = 64 << 20

// popularViews is how many views of the popular stream a round plays,
// alternating instances.
const popularViews = 4

// popularStream is viewed popularViews times a round.
const popularStream = "zebra-popular"

// drivePopular plays a round's views of the popular stream.
func drivePopular(s *stack, tr *traffic) {
	s.t.Helper()
	for i := range popularViews {
		s.view(i, popularStream)
	}
	tr.views += popularViews
	tr.popular += popularViews
}

// burstViews is how many views of a new stream each burst plays.
const burstViews = 4

// driveBurst measures what a view costs the origin, as Prometheus counts
// it: burstViews views of a stream nobody watched yet (cold), then as many
// again (warm), each between two scrapes of every instance.
func driveBurst(t *testing.T, s *stack, p *promServer, tr *traffic) {
	t.Helper()
	origin := func() float64 {
		p.nextScrape()
		return p.answer(`sum(mediagate_hls_proxy_origin_requests_total{job="mediagate"})`)[""]
	}
	for _, per := range []*float64{&tr.coldPerView, &tr.warmPerView} {
		before := origin()
		for i := range burstViews {
			s.view(i, "zebra-burst")
		}
		*per = (origin() - before) / burstViews
		tr.views += burstViews
		tr.popular += burstViews
	}
	t.Logf("origin requests per view of a new stream: %g on its first %d views, %g on the next %d", tr.coldPerView, burstViews, tr.warmPerView, burstViews)
}

// repeatedStreams are the streams viewed more than once: popular, burst.
const repeatedStreams = 2

// segmentsPerView is how many segments a view fetches (stack.view).
const segmentsPerView = 3

// checkCacheAnswers asks what an operator asks of the object cache: its
// hit ratio, the origin GETs a view costs, the bytes it holds against its
// size, and compares them with the traffic. A view alternates instances
// request by request, so each segment of a repeated stream (popular,
// burst) misses once on each instance and hits every other time; every
// other view's segments are of streams seen once, so they miss.
func checkCacheAnswers(t *testing.T, p *promServer, tr traffic) {
	t.Helper()
	results := p.answer(`sum by (result) (mediagate_hls_proxy_object_fetches_total{job="mediagate"})`, "result")
	wantHits := float64(tr.popular*segmentsPerView - repeatedStreams*2*segmentsPerView)
	if results["hit"] != wantHits {
		t.Errorf("object cache hits: %g, want %g (%d views of %d repeated streams of %d segments, each missed once per instance)",
			results["hit"], wantHits, tr.popular, repeatedStreams, segmentsPerView)
	}
	if results["revalidated"] != 0 {
		t.Errorf("object cache revalidations: %g, want 0 within vod_cache_ttl", results["revalidated"])
	}
	ratio := p.answer(`sum(rate(mediagate_hls_proxy_object_fetches_total{job="mediagate",result="hit"}[1m]))
		/ sum(rate(mediagate_hls_proxy_object_fetches_total{job="mediagate"}[1m]))`)
	if r := ratio[""]; r <= 0 || r >= 1 {
		t.Errorf("cache hit ratio %g, want between 0 and 1 (popular views hit, the others miss)", r)
	}
	// The operator's origin requests per view: the fleet's /pub requests
	// (outages, the DAM) cost origin requests and mint no view, so it is
	// only logged here; the bursts measure it on views alone.
	perView := p.answer(`sum(rate(mediagate_hls_proxy_origin_requests_total{job="mediagate"}[1m]))
		/ sum(rate(mediagate_edgeauth_session_cookies_minted_total{job="mediagate"}[1m]))`)
	if perView[""] <= 0 {
		t.Errorf("origin requests per view %v, want > 0", perView)
	}
	// A cold view fetches its playlists and segments once per instance
	// (2+3 objects over 2 instances, a view alternating them: 10 for 4
	// views); a warm one is all cache (playlists: the VOD playlist cache).
	if tr.coldPerView != 2*(2+segmentsPerView)/float64(burstViews) || tr.warmPerView != 0 {
		t.Errorf("origin requests per view: %g cold, %g warm; want %g and 0", tr.coldPerView, tr.warmPerView,
			2*(2+segmentsPerView)/float64(burstViews))
	}
	p.answer(`sum by (kind) (mediagate_hls_proxy_origin_requests_total{job="mediagate"})`, "kind")
	held := p.answer(`sum(mediagate_hls_proxy_object_cache_bytes{job="mediagate"}) / sum(mediagate_hls_proxy_object_cache_capacity_bytes{job="mediagate"})`)
	capacity := p.answer(`sum by (instance) (mediagate_hls_proxy_object_cache_capacity_bytes{job="mediagate"})`, "instance")
	for inst, c := range capacity {
		if c != float64(cacheSize) {
			t.Errorf("object cache capacity of %s: %g, want %d (object_cache on /hls only)", inst, c, cacheSize)
		}
	}
	if h := held[""]; h <= 0 || h >= 1 {
		t.Errorf("object cache fill %g of its capacity, want some and below all (no eviction)", h)
	}
	ev := p.answer(`sum(mediagate_hls_proxy_object_cache_evictions_total{job="mediagate"})`)
	refused := p.answer(`sum(mediagate_hls_proxy_origin_waiters_refused_total{job="mediagate"})`)
	if ev[""] != 0 || refused[""] != 0 {
		t.Errorf("evictions %g, waiters refused %g: want none from a working set far below the cache", ev[""], refused[""])
	}
}
