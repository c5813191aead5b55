// Package playlist rewrites HLS playlists (RFC 8216 and its LL-HLS
// successor draft) losslessly: the output equals the input byte for byte
// except the URI spans the caller replaces, the lines it explicitly drops
// or inserts and the EXT-X-SERVER-CONTROL attributes it asks to remove.
// Line endings (LF or CRLF), blank lines, comments, vendor tags, attribute
// order, EXTINF precision and titles and a leading byte order mark all
// survive, because nothing is ever re-encoded.
//
// github.com/grafov/m3u8 is deliberately not used to re-encode: it writes the
// header key twice, drops later EXT-X-MAP tags and unknown tags, turns
// "EXT-X-BYTERANGE:n" into "n@0", re-prints EXTINF as float32, and it panics
// (nil dereference) on real playlists that have a blank line after an
// EXT-X-KEY before the first segment. Rewrite therefore runs its own
// single-pass line scanner, which also validates the structure it depends on
// (sequence numbers, key scope, byte ranges). grafov earns its place in the
// tests instead: internal/grafovref is the independent reference reader every
// conformance playlist this package accepts is cross-checked against, and the
// baseline of the playlist benchmarks; it is not linked into Caddy.
//
// The scanner refuses (ErrMalformed) playlists whose meaning players disagree
// on, because keys, IVs, byte ranges and tokens derived from a wrong reading
// would be wrong: no #EXTM3U before the first tag, master and media tags
// mixed, URI lines without EXTINF (or EXT-X-STREAM-INF), EXTINF durations
// that are not numbers, invalid or repeated EXT-X-MEDIA-SEQUENCE, implicit
// byte-range offsets without a previous sub-range of the same resource,
// malformed attribute lists in the tags whose URI it rewrites (and in
// EXT-X-PART-INF and EXT-X-SERVER-CONTROL), duplicate
// attribute names, control characters and invalid UTF-8.
package playlist
