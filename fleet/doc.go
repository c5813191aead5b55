// Package fleet holds mediagate's scale-out tests and no production code:
// two or three real bin/caddy processes with one configuration behind a real
// HAProxy (Debian's haproxy, round-robin, no stickiness), all on loopback, in
// front of one versitygw serving testdata/sample. They prove that the modules
// keep no state a player depends on:
//
//   - views_test.go: a player session plays end to end while its requests
//     alternate between instances — the session cookie minted by one is
//     honoured by the others, segment contexts sealed by one are opened by
//     another, every instance serves the same derived key — in every
//     encryption mode, checked byte for byte and by ffprobe frame counts;
//     an instance killed mid-view (mid-transfer even) costs the player one
//     retry, never a truncated body presented as complete;
//   - hlsjs_test.go: hls.js in chromium (e2e/player.mjs) plays every mode
//     through the fleet, its requests spread over every instance;
//   - rotation_test.go: key_secret and EdgeAuth keys roll across the fleet by
//     `caddy reload` (add everywhere, promote everywhere, drop) under load,
//     with views that started before the roll finishing and no request lost;
//   - consistent_test.go (stack in hashfleet_test.go): instances with
//     object_cache behind HAProxy `balance uri path-only` + `hash-type
//     consistent` fetch each object from the origin once per fleet (counted
//     in versitygw's request log), where round-robin and a whole-URI hash
//     fetch it once per instance; losing an instance moves only its objects;
//     every instance still refuses other assets' and strangers' requests in
//     every spelling.
//
// docs/fleet.md says what a fleet must share. Run: `make build && go test
// ./fleet` (about a minute; `npm ci` in e2e/ for hls.js). Missing tools
// (bin/caddy, versitygw, haproxy, ffprobe, chromium, node_modules) skip the
// tests, or fail them when CI=true.
package fleet
