package origin

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// These faults cannot be produced on demand by a real gateway, so an httptest server
// plays the misbehaving origin.

func faultOrigin(t *testing.T, h http.HandlerFunc, timeout time.Duration) Origin {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	o, err := NewHTTP(HTTPConfig{BaseURL: srv.URL, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close() })
	return o
}

func TestTruncatedBodyFailsWithUnexpectedEOF(t *testing.T) {
	o := faultOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(200)
		w.Write(pattern(500))
		w.(http.Flusher).Flush()
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close() // drop the connection mid-body
		}
	}, time.Second)
	resp, body, err := fetchAll(t, o, &Request{Key: "seg.ts"})
	if resp == nil {
		t.Fatalf("headers should have arrived: %v", err)
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("read error = %v, want io.ErrUnexpectedEOF", err)
	}
	mustKind(t, err, Unavailable)
	if len(body) != 500 {
		t.Errorf("read %d bytes before the error, want 500", len(body))
	}
}

func TestStalledOriginTimesOut(t *testing.T) {
	tests := []struct {
		name      string
		handler   http.HandlerFunc
		wantBytes int
		headers   bool // headers arrive before the stall
	}{
		{"no response headers", func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		}, 0, false},
		{"body stalls after some bytes", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "1000")
			w.Write(pattern(10))
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}, 10, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := faultOrigin(t, tt.handler, 150*time.Millisecond)
			resp, body, err := fetchAll(t, o, &Request{Key: "seg.ts"})
			mustKind(t, err, Timeout)
			if (resp != nil) != tt.headers || len(body) != tt.wantBytes {
				t.Errorf("response %v, %d bytes; want headers=%v and %d bytes", resp != nil, len(body), tt.headers, tt.wantBytes)
			}
		})
	}
}

func TestSlowButSteadyBodyIsNotCutOff(t *testing.T) {
	// Each chunk arrives well within the idle timeout while the whole body takes longer
	// than the timeout: the timeout is per stall, not per stream.
	const chunks = 20
	o := faultOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < chunks; i++ {
			w.Write(pattern(100))
			w.(http.Flusher).Flush()
			time.Sleep(30 * time.Millisecond)
		}
	}, 500*time.Millisecond)
	_, body, err := fetchAll(t, o, &Request{Key: "slow.ts"})
	if err != nil || len(body) != chunks*100 {
		t.Fatalf("err %v, %d bytes; want the whole %d-byte body", err, len(body), chunks*100)
	}
}

func TestCallerContextEndsFetch(t *testing.T) {
	block := func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	o := faultOrigin(t, block, time.Minute)
	t.Run("deadline is a timeout", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := o.Fetch(ctx, &Request{Key: "x.ts"})
		mustKind(t, err, Timeout)
	})
	t.Run("cancellation is canceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		_, err := o.Fetch(ctx, &Request{Key: "x.ts"})
		mustKind(t, err, Canceled)
	})
}

func TestClosedPortIsUnavailable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	o, err := NewS3(context.Background(), S3Config{Bucket: "media", Endpoint: "http://" + addr, AccessKey: "a", SecretKey: "s"})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	_, err = o.Fetch(context.Background(), &Request{Key: "x.ts"})
	mustKind(t, err, Unavailable)
}

// A primary that sends headers and then stalls cannot be failed over for
// that response, but its breaker must open so the next requests go to the
// replica. (httptest plays the stalling origin: a real gateway cannot be
// made to stall on demand.)
func TestMidBodyStallOpensTheBreaker(t *testing.T) {
	stalling := &counting{Origin: faultOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.Write(pattern(10))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}, 150*time.Millisecond)}
	replica := &counting{Origin: faultOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write(pattern(1000))
	}, time.Second)}
	var events []EventType
	pool := NewPool([]Origin{stalling, replica}, PoolOptions{Backoff: time.Hour, OnEvent: func(e Event) { events = append(events, e.Type) }})
	_, _, err := fetchAll(t, pool, &Request{Key: "seg.ts"})
	mustKind(t, err, Timeout)
	resp, body, err := fetchAll(t, pool, &Request{Key: "seg.ts"})
	if err != nil || resp == nil || len(body) != 1000 {
		t.Fatalf("second fetch: %v, %d bytes", err, len(body))
	}
	if stalling.n.Load() != 1 || replica.n.Load() != 1 {
		t.Fatalf("fetches: primary %d, replica %d; want 1 and 1", stalling.n.Load(), replica.n.Load())
	}
	if len(events) < 2 || events[0] != EventFailure || events[1] != EventOpen {
		t.Fatalf("events %v, want failure then open", events)
	}
}
