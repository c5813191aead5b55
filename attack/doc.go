// Package attack holds no production code. Its tests are the attacker's view
// of mediagate (issue 13): a real bin/caddy in front of a real S3 gateway
// (versitygw) with clear and AES-128-at-rest assets, under a matrix of sites
// (passthrough, decrypt, encrypt, reencrypt × with and without secure_routes ×
// default and placeholder session ACL × tokenize on and off, plus asset
// policy, optional, entry, url_mode and https_only redirect sites). Every row
// is an attempt to get bytes the caller must not get, and asserts that the
// forbidden bytes (storage keys, raw at-rest segments, clear segments where
// only ciphertext is allowed, another asset's bytes, token strings) never
// arrive in any body or header, that nothing answers 5xx, that errors carry
// Cache-Control: no-store and no Set-Cookie, and that Caddy's log never holds
// a token. The sanctioned paths keep playing in every mode.
//
//   - escalation_test.go: minted session cookies (metacharacters, raw and
//     encoded, in every path position; dot segments, separators, NUL, invalid
//     UTF-8) and self-renewal of a cookie;
//   - rootentry_test.go: a root-level entry (directly under strip_prefix,
//     no strip_prefix, behind handle_path, url_mode) mints nothing wider
//     than its token covered (a row partly on its own bin/caddy);
//   - leaks_test.go: tokens in playlists, headers and logs;
//   - crypto_test.go: storage keys, raw and clear segments by every spelling
//     and method, and segment contexts replayed across segments, assets and modes;
//   - activecontent_test.go: the media host as an origin — no active type
//     inline (HTML, SVG, text/html behind a media name), nosniff on every
//     answer, sandboxed attachments; a playlist typed only by its content
//     type never partial, never raw, never past its entry rule;
//   - rawobjects_test.go: crypto modes refuse other objects unless
//     raw_objects lists them (a row with its own bin/caddy);
//   - blockingreload_test.go: the blocking reload as a DoS: hostile and
//     far-future _HLS_msn spellings from one token holder are 400s, and
//     other viewers keep the primary's live playlist (a row with its own
//     bin/caddy, the LL-HLS stand-in as primary and a replica behind it);
//   - heldreload_test.go: blocking reloads the proxy holds for S3 are
//     decided first: a stranger's and another asset's token holder's are
//     403s at once with no playlist byte, a holder's hostile or far-ahead
//     _HLS_msn/_HLS_part are 400s at once, never a hold;
//   - encoutput_test.go: encrypted outputs object_cache keeps (encrypt,
//     reencrypt) reach no stranger by any spelling, no site of another
//     key_secret, no viewer of the new secret after a key roll, no context
//     replayed into another mode; a replaced object gets new ciphertext
//     after the TTL (a row with its own bin/caddy, four sites on one bucket);
//   - deltas_test.go: delta updates the proxy builds for S3 (_HLS_skip):
//     every URI of a holder's delta is one of the full playlist's for that
//     holder (tokenized, sealed), never a storage key's URI or another
//     viewer's token; a stranger's _HLS_skip is a 403 with no playlist
//     byte, a hostile one a 400;
//   - damanswers_test.go: a DAM rule endpoint (stand-in) answering a
//     redirect to "public", duplicated or case-folded members, trailing data,
//     a BOM, a string boolean: the asset stays protected, no byte arrives;
//   - s3servers_test.go: row 16, the same lock on each S3 server (versitygw
//     and MinIO, a site each on its own bin/caddy): no byte outside the
//     origin prefix (sibling prefix, another bucket), no S3 subresource or
//     response-* override, no metadata-protected object for a stranger;
//   - sharedplaylist_test.go: row 17, concurrent cold views of one
//     playlist share one origin read, never a decision or a token: bursts
//     of strangers (no token, HEAD, an encoded name, a conditional,
//     another asset's or a garbage token) racing eight token holders get
//     no byte of a protected playlist, no view carries another holder's
//     token, every URI of a holder's playlist its own (a row with its own
//     bin/caddy: optional edgeauth, asset_policy metadata, tokenize);
//   - smaller_test.go: asset policy, entry globs, url_mode, existence oracle,
//     https_only redirect;
//   - sanctioned_test.go: players keep playing (Go HLS client, ffprobe);
//   - client_test.go: the raw keep-alive client and the checks every answer
//     passes (no 5xx; errors no-store and cookie-free; minted ACLs literal;
//     minted tokens nowhere but Set-Cookie); checks_test.go tests those judges.
//
// A failure names the row (subtest), the site, the exact request and the
// forbidden bytes that arrived; each kind of failure prints in full four
// times per subtest and is counted after that (ATTACK_REPORT_ALL=1 prints
// every one).
//
// Run: `make build && flock /tmp/mediagate-caddytest.lock go test ./attack`
// (about 25 000 requests through 37 sites; ~35 s on a loaded 2-core machine);
// one row: -run 'TestAttackerGetsNoForbiddenBytes/^4_crypto'.
// Missing binaries skip the tests, or fail them when CI=true.
package attack
