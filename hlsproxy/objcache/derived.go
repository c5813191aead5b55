package objcache

import (
	"context"
	"crypto/sha256"
	"io"
	"net/http"
	"strconv"
	"sync"
)

// Key names a cache entry: a stored object (Output zero) or an output
// derived from one. Everything that determines an output's bytes is a
// field, so an output is reachable only by a request that would compute
// the same bytes: another version, transform, key or IV is another Key.
type Key struct {
	// Object is the stored object's name (its origin key).
	Object string
	Output Output
}

// Output names a deterministic transform of one stored object version.
type Output struct {
	// Version is the stored version it is made from (Version()).
	Version string
	// Transform names the transform (a mode: encrypt, reencrypt).
	Transform string
	// Params is a digest of every other input of the transform (keys, IVs):
	// the key holds no key bytes.
	Params [sha256.Size]byte
}

// ObjectKey is the cache key of a stored object.
func ObjectKey(name string) Key { return Key{Object: name} }

// Digest hashes a transform's parameters into Output.Params: each part
// length-prefixed, so no two lists of parts share a digest.
func Digest(parts ...[]byte) [sha256.Size]byte {
	h := sha256.New()
	for _, p := range parts {
		h.Write(strconv.AppendInt(nil, int64(len(p)), 10))
		h.Write([]byte{':'})
		h.Write(p)
	}
	var d [sha256.Size]byte
	h.Sum(d[:0])
	return d
}

// flight is the singleflight key of an output: every field of k, each
// length-prefixed (a flight key is a string).
func (k Key) flight() string {
	d := Digest([]byte("output"), []byte(k.Object), []byte(k.Output.Version), []byte(k.Output.Transform), k.Output.Params[:])
	return string(d[:])
}

// Transform reads a stored body and returns the reader of its output.
type Transform func(stored io.Reader) io.Reader

// Derive returns the output out of the stored object src (which the
// caller has just fetched through Get under ObjectKey(out.Object)): from
// the cache, or made once by transform from src's body, shared by every
// caller meanwhile and kept, weighed against the same MaxBytes as stored
// objects. length is the output's length. It returns nil (and the caller
// transforms for itself) when the output is not cached: no cache, src not
// kept (not buffered, not storable, no version), or length over MaxObject.
// An output whose stored body fails fails its readers and leaves the cache.
func (s *Shield) Derive(ctx context.Context, src *Object, out Key, length int64, transform Transform) (*Object, Outcome, error) {
	if s.cache == nil || src == nil || src.buf == nil || src.weight == 0 || src.outputs == nil ||
		out.Object == "" || out.Output.Version == "" || out.Output.Transform == "" ||
		length < 0 || length > s.cfg.MaxObject {
		return nil, 0, nil
	}
	src.outputs.add(out)
	return s.Get(ctx, Request{Flight: out.flight(), CacheKey: out,
		Fetch: func(ctx context.Context, _ http.Header) (*Response, error) {
			body := transform(src.buf.NewReader(ctx, 0))
			return &Response{Status: http.StatusOK, Header: src.Header, Length: length, Body: io.NopCloser(body)}, nil
		}})
}

// outputs is the set of outputs derived from one stored version.
type outputs struct {
	mu   sync.Mutex
	keys map[Key]struct{}
}

func (o *outputs) add(k Key) {
	o.mu.Lock()
	if o.keys == nil {
		o.keys = map[Key]struct{}{}
	}
	o.keys[k] = struct{}{}
	o.mu.Unlock()
}

func (o *outputs) take() []Key {
	o.mu.Lock()
	defer o.mu.Unlock()
	ks := make([]Key, 0, len(o.keys))
	for k := range o.keys {
		ks = append(ks, k)
	}
	o.keys = nil
	return ks
}

// dropOutputs invalidates what was derived from stale (its version was
// replaced or is gone).
func (s *Shield) dropOutputs(stale *Object) {
	if s.cache == nil || stale == nil || stale.outputs == nil {
		return
	}
	for _, k := range stale.outputs.take() {
		s.cache.Invalidate(k)
	}
}

// Drop removes one entry and nothing else: a stored object's outputs stay
// (as when the cache evicts it for room). For tests of what a later
// version of the object may reach.
func (s *Shield) Drop(k Key) {
	if s.cache != nil {
		s.cache.Invalidate(k)
	}
}
