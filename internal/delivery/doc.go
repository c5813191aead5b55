// Package delivery is the HLS logic of hls_proxy without Caddy: where an
// object key lives on the proxy (Layout), how a playlist is rewritten for a
// delivery mode (Rewriter), and the signed context a segment URL carries so
// that any instance can decrypt or encrypt it without server-side state.
package delivery
