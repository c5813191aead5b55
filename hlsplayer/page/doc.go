// Package page is the pure part of hls_player: the mapping from an embed
// path to the stream it plays, the HTML of the player and error pages, the
// player's static files (hls.js, pinned and vendored with its licence, and
// the page's own JS and CSS, embedded with go:embed) and the page's
// Content-Security-Policy. It has no Caddy import; hlsplayer is its glue.
package page
