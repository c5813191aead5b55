// Package objcache is hls_proxy's origin shield: one origin request per
// object version, however many viewers ask for it at once, and (when an
// object_cache size is configured) a bounded in-memory cache of stored
// objects, revalidated with a conditional GET after a TTL.
//
// Three pieces, one per file:
//   - Buffer (buffer.go): an origin body read once, into memory, by one
//     filler goroutine while any number of readers stream it at their own
//     pace from any offset. A body that ends early fails every reader with
//     the error, never a short EOF.
//   - Shield (shield.go): coalescing (golang.org/x/sync/singleflight) of
//     concurrent fetches of one flight key — a caller arriving while a
//     shared body is still coming joins that body, cached or not —, a
//     bound on the callers waiting for origin answers
//     (golang.org/x/sync/semaphore), and the cache.
//   - Lengths (lengths.go): facts learnt once per object version (the
//     plaintext length of an encrypted segment), bounded.
//   - Derive (derived.go): outputs derived from a stored object (encrypt
//     and reencrypt segments), entries of the same cache under a typed Key.
//
// Why otter (github.com/maypok86/otter/v2) for the cache: the bound is in
// bytes, so the cache must weigh entries (golang-lru v2 counts entries
// only); a Set must be visible to the next Get (ristretto v2 admits and
// applies writes asynchronously and may drop them, which makes "the second
// view is a hit" a probability); otter has a weigher, synchronous writes,
// deletion events with their cause (evictions are counted), an S3-FIFO
// policy that keeps a one-hit scan of a catalogue from flushing the hot
// segments, and is maintained (v2.4.0, 2025).
//
// What is cached: the object as stored at the origin, and — for the
// transforms whose per-request cost is a serial AES-CBC chain (encrypt,
// reencrypt: ~1 GB/s on one core, where a decrypt runs its blocks in
// parallel at ~13 GB/s and reading the cache at ~60 GB/s) — their output.
// A stored entry serves every mode, range and delivery key of an object; an
// output serves exactly one: its Key holds everything that determines its
// bytes (the stored object, its version — ETag, Last-Modified, length —,
// the transform, and a digest of every key and IV it uses), so a request
// under another version, mode, key_secret or rotated secret computes
// another Key and never reaches it. Outputs are made from the stored
// object's buffer by one filler through the same singleflight (concurrent
// misses share one encryption), weighed against the same MaxBytes, fresh as
// long as their version is the one the stored object was validated as (no
// TTL of their own), and dropped when a revalidation replaces or forgets
// that version. A hot encrypted 2 MB segment costs 0.12 ms in process
// instead of 2.1 ms (hlsproxy BenchmarkHotEncryptedSegment;
// BENCHMARKS.md, "object_cache: what is cached").
//
// The package has no Caddy dependency; hls_proxy's fetch stage (fetch.go,
// cache.go) wires it to the origin pool, after the access decision.
package objcache
