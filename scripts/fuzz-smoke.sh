#!/usr/bin/env bash
# fuzz-smoke.sh — run every fuzz target of the module for FUZZTIME (default 4s).
#
# A crash makes `go test -fuzz` write the failing input to the package's
# testdata/fuzz/<Target>/, where it becomes a seed that every later run (and
# plain `go test`) replays. So a target that fails is run once more: a real
# crash fails again on its saved input and fails this script; a failure of the
# fuzzing engine itself under load (a worker that did not start in time)
# passes the second time and is reported as such.
set -uo pipefail
cd "$(dirname "$0")/.."
FUZZTIME="${FUZZTIME:-4s}"
GO="${GO:-go}"
failed=0
for pkg in $($GO list ./...); do
  dir=$($GO list -f '{{.Dir}}' "$pkg")
  for f in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/func //'); do
    echo ">> fuzz $pkg $f ($FUZZTIME)"
    if out=$($GO test -run '^$' -fuzz "^$f\$" -fuzztime "$FUZZTIME" "$pkg" 2>&1); then
      echo "$out" | tail -n 1
      continue
    fi
    echo "$out" | tail -n 25
    echo ">> $f failed; running it again (a real crash replays its saved input and fails again)"
    if out=$($GO test -run '^$' -fuzz "^$f\$" -fuzztime "$FUZZTIME" "$pkg" 2>&1); then
      echo "$out" | tail -n 1
      echo ">> $f passed on the second run: the first failure was the fuzzing engine, not an input"
    else
      echo "$out" | tail -n 40
      failed=$((failed + 1))
    fi
  done
done
if ((failed)); then
  echo ">> $failed fuzz target(s) failed"
  exit 1
fi
echo ">> every fuzz target passed"
