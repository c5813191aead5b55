package origin

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// A blocking reload (Request.Hold) is shaped by the client: a far-future
// _HLS_msn is held until the hold runs out, a hostile one is answered 400
// or 404, an origin past its own hold says 503, a player gives up. None of
// that may open the primary's breaker or send anyone to the replica (issue
// 24, finding 6: one such request switched every viewer to a replica that
// has no live channel).

// liveOrigin is an HTTP packager: hold.m3u8 is held until the request goes
// away, s<code>.m3u8 answers with that status, anything else 200 "primary".
func liveOrigin(t *testing.T) Origin {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch name := strings.TrimPrefix(r.URL.Path, "/"); {
		case name == "hold.m3u8":
			<-r.Context().Done()
		case strings.HasPrefix(name, "s"):
			code := 0
			for _, c := range strings.TrimSuffix(name[1:], ".m3u8") {
				code = code*10 + int(c-'0')
			}
			http.Error(w, "status", code)
		default:
			_, _ = io.WriteString(w, "primary")
		}
	}))
	t.Cleanup(srv.Close)
	o, err := NewHTTP(HTTPConfig{BaseURL: srv.URL, Timeout: 150 * time.Millisecond, Name: "primary"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close() })
	return o
}

// replicaOrigin answers everything 200 "replica" and counts what it gets.
func replicaOrigin(t *testing.T) *counting {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "replica") }))
	t.Cleanup(srv.Close)
	o, err := NewHTTP(HTTPConfig{BaseURL: srv.URL, Timeout: time.Second, Name: "replica"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close() })
	return &counting{Origin: o}
}

// eventLog collects a pool's events.
type eventLog struct {
	mu     sync.Mutex
	events []string
}

func (l *eventLog) add(e Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e.Type.String()+":"+e.Origin)
}

func (l *eventLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.events, ",")
}

// fetchBody fetches req with ctx and returns the body, or the error.
func fetchBody(ctx context.Context, p *Pool, req *Request) (string, error) {
	resp, err := p.Fetch(ctx, req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func TestBlockingReloadOutcomesNeverOpenTheBreakerNorReachTheReplica(t *testing.T) {
	const hold = 400 * time.Millisecond
	cases := []struct {
		name   string
		key    string
		cancel time.Duration // the client goes away after this (0: stays)
	}{
		{"held past its hold", "hold.m3u8", 0},
		{"the client cancels during the hold", "hold.m3u8", 100 * time.Millisecond},
		{"404 for the directives", "s404.m3u8", 0},
		{"400 for the directives", "s400.m3u8", 0},
		{"503 past the origin's own hold", "s503.m3u8", 0},
		{"504 from the origin", "s504.m3u8", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			replica := replicaOrigin(t)
			var log eventLog
			p := NewPool([]Origin{liveOrigin(t), replica}, PoolOptions{FailThreshold: 1, Backoff: time.Minute, OnEvent: log.add})
			ctx := context.Background()
			if tc.cancel > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.cancel)
				defer cancel()
			}
			for range 3 { // repeated: no count of them adds up to a failure either
				body, err := fetchBody(ctx, p, &Request{Key: tc.key, Hold: hold})
				if err == nil {
					t.Errorf("the blocking reload was answered %q, want the origin's outcome as an error", body)
					break
				}
			}
			if n := replica.n.Load(); n != 0 {
				t.Errorf("the replica got %d requests for blocking reloads of the primary", n)
			}
			if got := log.String(); got != "" {
				t.Errorf("pool events %q: a blocking reload's outcome judged the origin", got)
			}
			if body, err := fetchBody(context.Background(), p, &Request{Key: "live.m3u8"}); err != nil || body != "primary" {
				t.Errorf("the next viewer's ordinary reload: %q %v, want the primary's", body, err)
			}
		})
	}
}

// deadHTTP is an HTTP origin on a closed port.
func deadHTTP(t *testing.T) Origin {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	o, err := NewHTTP(HTTPConfig{BaseURL: "http://" + addr, Timeout: time.Second, Name: "primary"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close() })
	return o
}

// The breaker still sees the origin's own faults: a 5xx or a timeout of an
// ordinary request, and an origin a blocking reload cannot reach.
func TestOriginFaultsStillOpenTheBreakerAndFailOver(t *testing.T) {
	cases := []struct {
		name    string
		primary func(*testing.T) Origin
		req     Request
	}{
		{"503 to an ordinary request", liveOrigin, Request{Key: "s503.m3u8"}},
		{"500 to an ordinary request", liveOrigin, Request{Key: "s500.m3u8"}},
		{"an ordinary request past the origin's timeout", liveOrigin, Request{Key: "hold.m3u8"}},
		{"a blocking reload to an origin that refuses the connection", deadHTTP, Request{Key: "live.m3u8", Hold: time.Second}},
		{"an ordinary request to an origin that refuses the connection", deadHTTP, Request{Key: "live.m3u8"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			replica := replicaOrigin(t)
			var log eventLog
			p := NewPool([]Origin{tc.primary(t), replica}, PoolOptions{FailThreshold: 1, Backoff: time.Minute, OnEvent: log.add})
			req := tc.req
			if body, err := fetchBody(context.Background(), p, &req); err != nil || body != "replica" {
				t.Fatalf("%q %v, want the replica's answer after the primary's fault", body, err)
			}
			if got, want := log.String(), "failure:primary,breaker_open:primary"; got != want {
				t.Errorf("pool events %q, want %q", got, want)
			}
			if body, _ := fetchBody(context.Background(), p, &Request{Key: "live.m3u8"}); body != "replica" {
				t.Errorf("after the fault the breaker skips the primary: got %q", body)
			}
		})
	}
}
