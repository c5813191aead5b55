package origin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// deadS3 is an S3 origin whose endpoint is a closed port.
func deadS3(t *testing.T) *counting {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	o, err := NewS3(context.Background(), S3Config{Bucket: testBucket, Endpoint: "http://" + addr, AccessKey: "a", SecretKey: "s"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close() })
	return &counting{Origin: o}
}

func TestPoolFailoverAndBreakerWithRealGateways(t *testing.T) {
	primaryGW := testutil.StartVersityGW(t, testutil.VGWOptions{Buckets: []string{testBucket}, NoMeta: true})
	replicaGW := testutil.StartVersityGW(t, testutil.VGWOptions{Buckets: []string{testBucket}, NoMeta: true})
	for _, gw := range []*testutil.VGW{primaryGW, replicaGW} {
		gw.WriteFile(t, testBucket, "both.ts", []byte("from "+gw.Addr))
	}
	replicaGW.WriteFile(t, testBucket, "replica-only.ts", []byte("replica"))

	t.Run("dead primary: replica serves, breaker skips the dead one, retries after back-off", func(t *testing.T) {
		dead := deadS3(t)
		live := &counting{Origin: newS3(t, replicaGW, "", nil)}
		clock := testutil.NewFakeClock(time.Unix(1_700_000_000, 0))
		var events []string
		p := NewPool([]Origin{dead, live}, PoolOptions{Backoff: 30 * time.Second, Now: clock.Now,
			OnEvent: func(e Event) { events = append(events, fmt.Sprintf("%s:%d", e.Type, e.Index)) }})

		steps := []struct {
			advance          time.Duration
			deadN, liveN     int64
			wantEventsSuffix string
		}{
			{0, 1, 1, "failure:0,breaker_open:0"},                                    // tried, failed, served by the replica
			{10 * time.Second, 1, 2, "skip:0"},                                       // within back-off: not dialled
			{25 * time.Second, 2, 3, "breaker_half_open:0,failure:0,breaker_open:0"}, // trial fails, reopens
			{time.Second, 2, 4, "skip:0"},
		}
		for i, s := range steps {
			clock.Advance(s.advance)
			events = nil
			_, body, err := fetchAll(t, p, &Request{Key: "both.ts"})
			if err != nil || string(body) != "from "+replicaGW.Addr {
				t.Fatalf("step %d: %v %q", i, err, body)
			}
			if dead.n.Load() != s.deadN || live.n.Load() != s.liveN {
				t.Errorf("step %d: dead fetched %d times, live %d; want %d, %d", i, dead.n.Load(), live.n.Load(), s.deadN, s.liveN)
			}
			if got := strings.Join(events, ","); got != s.wantEventsSuffix {
				t.Errorf("step %d: events %q, want %q", i, got, s.wantEventsSuffix)
			}
		}
	})

	t.Run("miss on the primary does not ask the replica", func(t *testing.T) {
		replica := &counting{Origin: newS3(t, replicaGW, "", nil)}
		p := NewPool([]Origin{newS3(t, primaryGW, "", nil), replica}, PoolOptions{})
		_, _, err := fetchAll(t, p, &Request{Key: "replica-only.ts"})
		mustKind(t, err, NotFound)
		if replica.n.Load() != 0 {
			t.Errorf("replica fetched %d times after a primary 404", replica.n.Load())
		}
	})

	t.Run("denial on the primary does not ask the replica", func(t *testing.T) {
		replica := &counting{Origin: newS3(t, replicaGW, "", nil)}
		bad := newS3(t, primaryGW, "", func(c *S3Config) { c.SecretKey = "wrong" })
		p := NewPool([]Origin{bad, replica}, PoolOptions{})
		_, _, err := fetchAll(t, p, &Request{Key: "both.ts"})
		mustKind(t, err, Denied)
		if replica.n.Load() != 0 {
			t.Errorf("replica fetched %d times after a primary denial", replica.n.Load())
		}
	})

	t.Run("second gateway takes over when the first stops", func(t *testing.T) {
		gw := testutil.StartVersityGW(t, testutil.VGWOptions{Buckets: []string{testBucket}, NoMeta: true})
		gw.WriteFile(t, testBucket, "both.ts", []byte("from the primary"))
		p := NewPool([]Origin{newS3(t, gw, "", nil), newS3(t, replicaGW, "", nil)}, PoolOptions{})
		for i, want := range []string{"from the primary", "from " + replicaGW.Addr} {
			if i == 1 {
				gw.Stop()
			}
			resp, body, err := fetchAll(t, p, &Request{Key: "both.ts"})
			if err != nil || string(body) != want {
				t.Fatalf("fetch %d: %v %q, want %q", i, err, body, want)
			}
			if wantOrigin := p.Origins()[i].Name(); resp.Origin != wantOrigin {
				t.Errorf("fetch %d served by %q, want %q", i, resp.Origin, wantOrigin)
			}
		}
	})

	t.Run("5xx on the primary moves to the replica", func(t *testing.T) {
		// A real gateway cannot be made to answer 500 on demand: an httptest server does.
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, "<Error><Code>SlowDown</Code><Message>secret detail</Message></Error>")
		}))
		defer srv.Close()
		sick, err := NewS3(context.Background(), S3Config{Bucket: testBucket, Endpoint: srv.URL, AccessKey: "a", SecretKey: "s"})
		if err != nil {
			t.Fatal(err)
		}
		defer sick.Close()
		var failure *Error
		p := NewPool([]Origin{sick, newS3(t, replicaGW, "", nil)}, PoolOptions{OnEvent: func(e Event) {
			if e.Type == EventFailure {
				failure = e.Err
			}
		}})
		_, body, err := fetchAll(t, p, &Request{Key: "both.ts"})
		if err != nil || string(body) != "from "+replicaGW.Addr {
			t.Fatalf("%v %q", err, body)
		}
		if failure == nil || failure.Status != 503 || failure.Code != "SlowDown" || strings.Contains(failure.Error(), "secret detail") {
			t.Errorf("failure event %v: want status 503, code SlowDown, no body text", failure)
		}
	})
}

// stub is an Origin that answers with a scripted error (nil: a 200 response).
type stub struct {
	name string
	mu   sync.Mutex
	errs []*Error // consumed in order; the last one repeats
	n    int
	hook func()
}

func (s *stub) Name() string          { return s.name }
func (s *stub) URLPrefixes() []string { return nil }
func (s *stub) Close() error          { return nil }
func (s *stub) Fetch(ctx context.Context, r *Request) (*Response, error) {
	if s.hook != nil {
		s.hook()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.errs[min(s.n, len(s.errs)-1)]
	s.n++
	if e != nil {
		if ctx.Err() != nil {
			return nil, &Error{Kind: Canceled, Origin: s.name, Err: ctx.Err()}
		}
		c := *e
		c.Origin = s.name
		return nil, &c
	}
	return &Response{Origin: s.name, StatusCode: 200, Header: http.Header{}}, nil
}
func (s *stub) calls() int { s.mu.Lock(); defer s.mu.Unlock(); return s.n }

var (
	down    = &Error{Kind: Unavailable, Err: errors.New("connection refused")}
	slow    = &Error{Kind: Timeout, Err: errors.New("timeout")}
	missing = &Error{Kind: NotFound, Status: 404}
)

func TestPoolOutcomes(t *testing.T) {
	tests := []struct {
		name      string
		errs      [][]*Error // per origin
		wantKind  Kind       // 0: success
		wantFrom  string
		wantCalls []int
	}{
		{"primary answers", [][]*Error{{nil}, {nil}}, 0, "o0", []int{1, 0}},
		{"timeout moves on", [][]*Error{{slow}, {nil}}, 0, "o1", []int{1, 1}},
		{"not found is an answer", [][]*Error{{missing}, {nil}}, NotFound, "", []int{1, 0}},
		{"all fail, last was down", [][]*Error{{slow}, {down}}, Unavailable, "", []int{1, 1}},
		{"all fail, last was a timeout", [][]*Error{{down}, {slow}}, Timeout, "", []int{1, 1}},
		{"three origins, third serves", [][]*Error{{down}, {slow}, {nil}}, 0, "o2", []int{1, 1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var origins []Origin
			var stubs []*stub
			for i, e := range tt.errs {
				s := &stub{name: fmt.Sprintf("o%d", i), errs: e}
				stubs = append(stubs, s)
				origins = append(origins, s)
			}
			resp, err := NewPool(origins, PoolOptions{}).Fetch(context.Background(), &Request{Key: "k"})
			if tt.wantKind != 0 {
				if oe := mustKind(t, err, tt.wantKind); oe.Origin != stubs[len(stubs)-1].name && tt.wantKind != NotFound {
					t.Errorf("error from %q, want the last origin", oe.Origin)
				}
			} else if err != nil || resp.Origin != tt.wantFrom {
				t.Fatalf("resp %v err %v, want served by %s", resp, err, tt.wantFrom)
			}
			for i, s := range stubs {
				if s.calls() != tt.wantCalls[i] {
					t.Errorf("origin %d called %d times, want %d", i, s.calls(), tt.wantCalls[i])
				}
			}
		})
	}
}

func TestPoolAllBreakersOpenStillTriesPrimary(t *testing.T) {
	a, b := &stub{name: "a", errs: []*Error{down, down, nil}}, &stub{name: "b", errs: []*Error{down}}
	clock := testutil.NewFakeClock(time.Unix(0, 0))
	p := NewPool([]Origin{a, b}, PoolOptions{Now: clock.Now})
	_, err := p.Fetch(context.Background(), &Request{Key: "k"}) // both fail, both breakers open
	mustKind(t, err, Unavailable)
	_, err = p.Fetch(context.Background(), &Request{Key: "k"}) // all open: primary anyway
	mustKind(t, err, Unavailable)
	resp, err := p.Fetch(context.Background(), &Request{Key: "k"}) // primary recovered
	if err != nil || resp.Origin != "a" {
		t.Fatalf("resp %v err %v", resp, err)
	}
	if a.calls() != 3 || b.calls() != 1 {
		t.Errorf("calls a=%d b=%d, want 3 and 1", a.calls(), b.calls())
	}
}

func TestPoolFailThreshold(t *testing.T) {
	a, b := &stub{name: "a", errs: []*Error{down}}, &stub{name: "b", errs: []*Error{nil}}
	p := NewPool([]Origin{a, b}, PoolOptions{FailThreshold: 3, Now: testutil.NewFakeClock(time.Time{}).Now})
	for i := 0; i < 5; i++ {
		if _, err := p.Fetch(context.Background(), &Request{Key: "k"}); err != nil {
			t.Fatal(err)
		}
	}
	if a.calls() != 3 {
		t.Errorf("primary tried %d times, want 3 (then its breaker opens)", a.calls())
	}
}

func TestPoolCallerCancellationDoesNotTripBreaker(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	a := &stub{name: "a", errs: []*Error{down}, hook: cancel}
	b := &stub{name: "b", errs: []*Error{nil}}
	p := NewPool([]Origin{a, b}, PoolOptions{})
	_, err := p.Fetch(ctx, &Request{Key: "k"})
	mustKind(t, err, Canceled)
	if b.calls() != 0 || p.breakers[0].current() != closed {
		t.Errorf("replica called %d times, primary breaker %v; want 0 and closed", b.calls(), p.breakers[0].current())
	}
}

func TestPoolIsSafeForConcurrentUse(t *testing.T) {
	a := &stub{name: "a", errs: []*Error{down, nil, down, nil, slow, nil}}
	b := &stub{name: "b", errs: []*Error{nil}}
	clock := testutil.NewFakeClock(time.Unix(0, 0))
	p := NewPool([]Origin{a, b}, PoolOptions{Now: clock.Now, Backoff: time.Second})
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				clock.Advance(100 * time.Millisecond)
				if _, err := p.Fetch(context.Background(), &Request{Key: "k"}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if a.calls()+b.calls() < 800 {
		t.Errorf("only %d fetches for 800 requests", a.calls()+b.calls())
	}
}
