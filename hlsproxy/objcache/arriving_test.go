package objcache

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// pipeOrigin answers at once with headers and a body the test writes
// (io.Pipe): the body arrives while other callers come.
type pipeOrigin struct {
	fetches atomic.Int64
	w       *io.PipeWriter
	length  int64
}

func (p *pipeOrigin) fetch(context.Context, http.Header) (*Response, error) {
	p.fetches.Add(1)
	r, w := io.Pipe()
	p.w = w
	return &Response{Status: 200, Header: http.Header{"Etag": {`"1"`}}, Length: p.length, Body: r}, nil
}

func getObject(t *testing.T, s *Shield, fetch Fetch, cacheKey Key) (*Object, Outcome) {
	t.Helper()
	o, out, err := s.Get(context.Background(), Request{Flight: "GET\x00seg", CacheKey: cacheKey, Fetch: fetch})
	if err != nil {
		t.Fatal(err)
	}
	return o, out
}

// Without object_cache (or for an answer the cache does not keep) a view
// that arrives while the first view's body is still coming joins that body
// instead of making a second origin GET; once the body is in, a later view
// is a request of its own (no cache: nothing is kept).
func TestViewArrivingMidBodyJoinsTheArrivingBodyNotASecondGET(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		key  Key
	}{
		{"no cache", Config{}, ObjectKey("seg")},
		{"cache that does not keep it", Config{MaxBytes: 1 << 20, TTL: time.Hour,
			Keep: func(http.Header, int64) bool { return false }}, ObjectKey("seg")},
		{"a range (no cache key)", Config{MaxBytes: 1 << 20, TTL: time.Hour}, Key{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := bytes.Repeat([]byte("abcdefgh"), 8192)
			og := &pipeOrigin{length: int64(len(body))}
			s := newShield(t, tc.cfg)
			first, out := getObject(t, s, og.fetch, tc.key)
			if out != Miss {
				t.Fatalf("first view: %v, want miss", out)
			}
			if _, err := og.w.Write(body[:1000]); err != nil {
				t.Fatal(err)
			}
			late, out := getObject(t, s, og.fetch, tc.key)
			if out != Coalesced || late != first || og.fetches.Load() != 1 {
				t.Fatalf("view mid-body: %v, same object %v, %d origin GETs; want coalesced onto the one GET",
					out, late == first, og.fetches.Load())
			}
			done := make(chan []byte, 2)
			for _, o := range []*Object{first, late} {
				go func() { b, _ := readAll(t, o); done <- b }()
			}
			if _, err := og.w.Write(body[1000:]); err != nil {
				t.Fatal(err)
			}
			og.w.Close()
			for range 2 {
				if b := <-done; !bytes.Equal(b, body) {
					t.Fatalf("a view read %d bytes, want the whole %d", len(b), len(body))
				}
			}
			waitFor(t, func() bool { return s.arriving("GET\x00seg") == nil })
			if _, out := getObject(t, s, og.fetch, tc.key); out != Miss || og.fetches.Load() != 2 {
				t.Fatalf("a view after the body was in: %v after %d GETs, want its own miss", out, og.fetches.Load())
			}
			og.w.Close()
		})
	}
}

// A body that fails after a view joined it fails that view too (an error,
// never a short EOF), and the next view asks the origin again.
func TestViewThatJoinedAnArrivingBodyGetsItsFailure(t *testing.T) {
	og := &pipeOrigin{length: 50000}
	s := newShield(t, Config{})
	getObject(t, s, og.fetch, ObjectKey("seg"))
	if _, err := og.w.Write(make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	late, out := getObject(t, s, og.fetch, ObjectKey("seg"))
	if out != Coalesced {
		t.Fatalf("view mid-body: %v, want coalesced", out)
	}
	cut := errors.New("connection reset by origin")
	og.w.CloseWithError(cut)
	if b, err := readAll(t, late); err == nil {
		t.Fatalf("the joined view read %d bytes and no error from a failed body", len(b))
	}
	waitFor(t, func() bool { return s.arriving("GET\x00seg") == nil })
	if _, out := getObject(t, s, og.fetch, ObjectKey("seg")); out != Miss || og.fetches.Load() != 2 {
		t.Fatalf("after the failure: %v after %d GETs, want a new miss", out, og.fetches.Load())
	}
	og.w.Close()
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 5 s")
		}
		time.Sleep(time.Millisecond)
	}
}
