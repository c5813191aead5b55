// Package e2e holds mediagate's end-to-end tests: the real bin/caddy (make build) in front of a
// real S3 gateway (versitygw) serving testdata/sample, played by ffprobe and by hls.js in
// Debian chromium (driven by player.mjs through puppeteer-core). Every whole Caddyfile the docs
// and caddyfile-examples/ show is run and played the same way (examples_play_test.go,
// realize_test.go), and the web players sites embed — hls.js, Shaka Player, video.js, pages in
// players/, driven by players.mjs — play each token style from the same site and from another
// (crosssite_test.go; docs/players.md has the figures). It has no non-test code.
//
// Run with `go test ./e2e/` after `make build` and `npm ci` in this directory. Missing tools
// (bin/caddy, versitygw, ffprobe, chromium, node_modules) skip the tests, except under CI=true
// where they fail.
package e2e
