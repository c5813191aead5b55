// Package ops holds the operator's kit and no production code: the
// Prometheus alert rules (prometheus/mediagate-rules.yml) with their promtool
// unit tests (prometheus/mediagate-rules_test.yml), the Grafana dashboard
// (grafana/mediagate.json), and the tests that keep them honest:
//
//   - rules_test.go: `promtool check rules` and `promtool test rules`, and
//     every alert has a test case where it fires;
//   - prometheus_test.go: a real Prometheus (Debian's prometheus 2.42)
//     scrapes two real bin/caddy instances while views, denials, an origin
//     failover and a DAM outage go through them, and PromQL over the HTTP API
//     answers what an operator asks; cache_test.go drives object_cache
//     (repeat views, a cold then warm burst) and llhls_test.go held LL-HLS
//     blocking reloads from a packager writing into versitygw; series names and labels follow the
//     conventions (_total, base units, no path, token or asset as a label);
//     every series the dashboard and the rules name was scraped;
//   - dashboard_test.go: the dashboard parses and every panel has a query.
//
// docs/operations.md ("What to watch", "What pages you") explains them.
// Missing tools (promtool, prometheus, bin/caddy) skip the tests, or fail
// them when CI=true.
package ops
