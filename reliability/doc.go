// Package reliability holds no production code. Its tests drive the whole
// mediagate stack — a real bin/caddy process on loopback ports, a real S3
// gateway (versitygw), a fault-injecting HTTP origin — and prove:
//
//   - hostile_test.go: a table of 100+ hostile requests (traversal, encodings,
//     NUL, huge inputs, duplicate token fields, tokens in several places, bad
//     ranges, every method, Host and X-Forwarded-* spoofing, tampered segment
//     contexts), replayed over HTTP/2 where the client allows, never gets a
//     5xx, a panic, bytes outside the token's ACL, or an error body that
//     reflects the input;
//   - faults_test.go: origin 500s, resets and stalls under load fail over to the
//     replica or abort visibly, within the timeout, and the breaker recovers;
//   - load_test.go: 10 000 requests at concurrency 64, with config reloads, lose
//     nothing and leak no goroutines or file descriptors;
//   - secrets_test.go: secrets, tokens and HMACs never reach logs or adapted JSON;
//   - metrics_test.go: the hls_proxy series move on admin /metrics;
//   - regressions_test.go: one failing test per bug found in other packages.
//
// Run: `make build && go test ./reliability` (about 60 s; -short trims the
// loads). RELIABILITY_CADDY=/path/to/caddy runs the suite against another
// build, e.g. `go build -race -o /tmp/caddy-race ./cmd/caddy`. Missing binaries
// skip the tests, or fail them when CI=true.
package reliability
