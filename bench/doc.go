// Package bench holds what `make bench` (scripts/bench.sh) needs besides the load
// tools: a parser for `go test -bench` output, medians and percentiles, and the
// markdown table written to BENCHMARKS.md. The programs live under bench/cmd:
// load (concurrent HTTP streams with a latency histogram) and report (targets,
// ratios and pass/miss from one run's raw figures).
//
// Nothing here runs in `make test` with a timed assertion: the tests only check
// the parsing and the arithmetic.
package bench
