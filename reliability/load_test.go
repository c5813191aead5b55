package reliability

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// loadCaddyfile is a lean full stack (secure_routes + edgeauth + hls_proxy over
// versitygw, HTTPS, logs at WARN). gen changes with every reload: a response
// header shows which config served, and the origin timeout differs, so each
// reload provisions new hls_proxy origins (new transports) and cleans up the old.
func loadCaddyfile(admin, port int, s3, access, secret string, gen int) string {
	return fmt.Sprintf(`{
	admin 127.0.0.1:%d
	local_certs
	skip_install_trust
	default_bind 127.0.0.1
	auto_https disable_redirects
	https_port %d
	log {
		output stderr
		level WARN
	}
}

https://localhost:%d {
	header X-Config-Gen %d
	secure_routes {
		allow GET HEAD /hls/*
	}
	edgeauth {
		key {env.REL_EDGEAUTH_KEY}
	}
	hls_proxy {
		origin s3://media {
			endpoint %s
			access_key %s
			secret_key {env.REL_S3_SECRET}
		}
		strip_prefix /hls
		timeout %ds
	}
}
`, admin, port, port, gen, s3, access, 5+gen%2)
}

// TestLoadWithReloadsDropsNothingAndLeaksNothing sends 10 000 segment requests at
// concurrency 64 through the full HTTPS stack while `caddy reload` swaps the
// config several times: every request must get the exact segment; afterwards
// Caddy's goroutine count returns near its warmed-up baseline (no leaked
// connections, transports or timers from the replaced configs) and its RSS
// stays bounded. Figures are logged.
func TestLoadWithReloadsDropsNothingAndLeaksNothing(t *testing.T) {
	requireCaddy(t)
	key, secret := testutil.RandomHex(t, 32), testutil.RandomHex(t, 20)
	vgw := testutil.StartVersityGW(t, testutil.VGWOptions{Secret: secret, NoMeta: true, Buckets: []string{"media"}})
	a := newAsset(t, "a", false)
	writeAsset(t, vgw, "media", a)
	admin, port := testutil.FreePort(t), testutil.FreePort(t)
	gen := 0
	cf := func() string { return loadCaddyfile(admin, port, vgw.Endpoint, vgw.Access, secret, gen) }
	proc := startCaddy(t, cf(), admin, []string{"REL_EDGEAUTH_KEY=" + key, "REL_S3_SECRET=" + secret}, port)

	tok := token(t, key, "/hls/a/*")
	u := fmt.Sprintf("https://localhost:%d/hls/a/seg0.ts?__token__=%s", port, tok)
	want := map[string][]byte{u: a.Cipher["seg0.ts"]}
	client := httpsClient(64, 30*time.Second)
	defer client.CloseIdleConnections()

	n, c, reloads := 10000, 64, 5
	if testing.Short() {
		n = 3000
	}
	// Warm up (TLS sessions, origin connection pool, caches), then let idle
	// client connections go: that is the baseline.
	if res := runLoad(client, 640, c, 0, []string{u}, want); res.ok != 640 {
		t.Fatalf("warm-up: %+v", res)
	}
	client.CloseIdleConnections()
	settle := func() { time.Sleep(500 * time.Millisecond) }
	settle()
	g0, rss0, fd0 := proc.goroutines(t), proc.rssKiB(t), proc.fds(t)
	t.Logf("baseline after warm-up: %d goroutines, RSS %d KiB, %d open fds", g0, rss0, fd0)

	// 1. Steady load: not one error.
	var peakG, peakRSS int
	var res loadResult
	var wg sync.WaitGroup
	start := time.Now()
	wg.Go(func() { res = runLoad(client, n, c, 0, []string{u}, want) })
	for i := 0; i < 3; i++ {
		time.Sleep(time.Second)
		peakG, peakRSS = max(peakG, proc.goroutines(t)), max(peakRSS, proc.rssKiB(t))
	}
	wg.Wait()
	elapsed := time.Since(start)
	t.Logf("load: %d requests at concurrency %d in %s (%.0f req/s): %d ok, %d aborted, %d 5xx, %d wrong, %d other; slowest %s; peak during load %d goroutines, RSS %d KiB",
		n, c, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), res.ok, res.aborted, res.status5xx, res.wrong, res.other,
		res.slowest.Round(time.Millisecond), peakG, peakRSS)
	if res.ok != n {
		t.Errorf("%d of %d requests failed under steady load (first error %q)", n-res.ok, n, res.firstErr)
	}

	// 2. Load with reloads spread over it. In-flight requests must all
	// complete. Connections still in the kernel's accept queue of the old
	// listener are reset when Caddy closes it (Linux SO_REUSEPORT, see
	// https://lwn.net/Articles/542629/) unless net.ipv4.tcp_migrate_req=1;
	// those are counted apart (dial errors) and must stay rare.
	migrate := sysctlIs("/proc/sys/net/ipv4/tcp_migrate_req", "1")
	nr := n / 2
	var rres loadResult
	start = time.Now()
	wg.Go(func() { rres = runLoad(client, nr, c, 0, []string{u}, want) })
	var reloadErrs []error
	for i := range reloads {
		time.Sleep(500 * time.Millisecond)
		gen = i + 1
		t0 := time.Now()
		if err := proc.reload(cf()); err != nil {
			reloadErrs = append(reloadErrs, err)
		}
		peakG, peakRSS = max(peakG, proc.goroutines(t)), max(peakRSS, proc.rssKiB(t))
		t.Logf("reload %d during load took %s", gen, time.Since(t0).Round(time.Millisecond))
	}
	wg.Wait()
	elapsed = time.Since(start)
	t.Logf("load with %d reloads: %d requests at concurrency %d in %s: %d ok, %d aborted (%d while connecting), %d 5xx, %d wrong, %d other; slowest %s; tcp_migrate_req=%v; first error %q",
		reloads, nr, c, elapsed.Round(time.Millisecond), rres.ok, rres.aborted, rres.dialErrors, rres.status5xx, rres.wrong, rres.other,
		rres.slowest.Round(time.Millisecond), migrate, rres.firstErr)
	for _, err := range reloadErrs {
		t.Errorf("reload failed: %v", err)
	}
	if inFlight := nr - rres.ok - rres.dialErrors; inFlight != 0 {
		t.Errorf("%d requests failed after their connection was up (dropped by a reload)", inFlight)
	}
	if allowed := nr / 100; migrate && rres.dialErrors > 0 || rres.dialErrors > allowed {
		t.Errorf("%d connections reset while connecting during reloads (allowed: %d without tcp_migrate_req, 0 with)", rres.dialErrors, allowed)
	}

	// The last config serves.
	resp, err := client.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("X-Config-Gen"); got != fmt.Sprint(gen) {
		t.Errorf("after %d reloads the config generation is %q, want %d", reloads, got, gen)
	}

	// Back near baseline: goroutines within a margin (a few idle origin
	// connections may differ); RSS bounded (Go returns freed memory lazily).
	client.CloseIdleConnections()
	const gMargin = 30
	var g1 int
	for i := 0; i < 40; i++ {
		settle()
		if g1 = proc.goroutines(t); g1 <= g0+gMargin {
			break
		}
	}
	rss1, fd1 := proc.rssKiB(t), proc.fds(t)
	t.Logf("after load and %d reloads: %d goroutines (baseline %d), RSS %d KiB (baseline %d), %d open fds (baseline %d)", reloads, g1, g0, rss1, rss0, fd1, fd0)
	if fd1 > fd0+gMargin {
		t.Errorf("open fds did not return to baseline: %d after, %d before", fd1, fd0)
	}
	if g1 > g0+gMargin {
		t.Errorf("goroutines did not return to baseline: %d after, %d before (margin %d)", g1, g0, gMargin)
	}
	if rss1 > 2*rss0+128<<10 {
		t.Errorf("RSS grew from %d KiB to %d KiB", rss0, rss1)
	}

	// More reloads without load: each must release what the previous config held.
	for i := range reloads {
		gen = reloads + i + 1
		if err := proc.reload(cf()); err != nil {
			t.Fatalf("idle reload: %v", err)
		}
		if res := runLoad(client, 64, 16, 0, []string{u}, want); res.ok != 64 {
			t.Fatalf("requests after idle reload %d: %+v", gen, res)
		}
	}
	client.CloseIdleConnections()
	var g2 int
	for i := 0; i < 40; i++ {
		settle()
		if g2 = proc.goroutines(t); g2 <= g0+gMargin {
			break
		}
	}
	fd2 := proc.fds(t)
	t.Logf("after %d more reloads with traffic: %d goroutines (baseline %d), RSS %d KiB, %d open fds (baseline %d)", reloads, g2, g0, proc.rssKiB(t), fd2, fd0)
	if fd2 > fd0+gMargin {
		t.Errorf("open fds grow with reloads: %d after %d reloads, baseline %d", fd2, 2*reloads, fd0)
	}
	if g2 > g0+gMargin {
		t.Errorf("goroutines grow with reloads: %d after %d reloads, baseline %d", g2, 2*reloads, g0)
	}
	if n := countLines(proc.out.String(), "panic"); n > 0 {
		t.Errorf("caddy log mentions panic on %d line(s)", n)
	}

}

// sysctlIs reports whether a /proc/sys file holds want.
func sysctlIs(path, want string) bool {
	b, err := os.ReadFile(path)
	return err == nil && strings.TrimSpace(string(b)) == want
}
