#!/usr/bin/env bash
# bench.sh — what `make bench` runs: every performance target of issues 8, 16 and 26 against
# its baseline measured in the same run, summarised in BENCHMARKS.md.
#
#   make bench                 # full run, ~15 min on 2 cores
#   BENCH_QUICK=1 make bench   # ~4 min, fewer and shorter runs
#   BENCH_PROFILE=misses ...   # (default) after the HTTPS rounds, a CPU profile of Caddy for each
#                              # HTTPS row that missed its target and of reverse_proxy at its size
#                              # (CPU per request by where it goes, and the top functions, go into
#                              # BENCHMARKS.md)
#   BENCH_PROFILE=1 ...        # also one HTTP load run, and every HTTPS mode cold and hot at 2 MB
#   BENCH_PROFILE=0 ...        # no profiles
#   BENCH_OUT=/tmp/x ...       # keep raw outputs there (default: a temp dir, printed)
#   BENCH_ONLY="https" ...    # only these parts (go, http, https; default all): a partial table
#   BENCH_CADDY=/path/caddy    # measure another build (before/after a fix); default bin/caddy
#   BENCH_MD=/path/x.md        # where the table goes; default BENCHMARKS.md
#
# Needs bin/caddy (make build), versitygw (make deps), wrk, curl, openssl.
# Everything listens on 127.0.0.1 only; every process started here is stopped on exit.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
CADDY=${BENCH_CADDY:-$ROOT/bin/caddy}
GOBIN=$(go env GOPATH)/bin
VERSITYGW=$(command -v versitygw || echo "$GOBIN/versitygw")

QUICK=${BENCH_QUICK:-0}
if [[ $QUICK == 1 ]]; then
	GO_COUNT=3 GO_BENCHTIME=300ms OPENSSL_SECS=1
	WRK_RUNS=3 WRK_SECS=3
	CONC_RUNS=1
	HTTPS_RUNS=1 HTTPS_SECS=2
else
	GO_COUNT=5 GO_BENCHTIME=1s OPENSSL_SECS=2
	WRK_RUNS=3 WRK_SECS=6
	CONC_RUNS=3
	HTTPS_RUNS=4 HTTPS_SECS=3
fi
PROFILE=${BENCH_PROFILE:-misses}
WRK_CONN=${BENCH_WRK_CONN:-16}
CONC=${BENCH_CONC:-1000}
# Seconds between one stream's segment fetches: 1 000 x 2 MB / 20 s = 100 MB/s, about a third of
# what one proxy moves on the 2 shared cores this was written on (so latency, not bandwidth, shows).
PERIOD=${BENCH_PERIOD:-20}
SEG_SIZE=2097152
BIG_SIZE=1073741824

for tool in wrk curl openssl jq; do
	command -v "$tool" >/dev/null || { echo "bench: $tool not found (apt-get install -y $tool)" >&2; exit 1; }
done
[[ -x $CADDY ]] || { echo "bench: $CADDY missing (make build)" >&2; exit 1; }
[[ -x $VERSITYGW ]] || { echo "bench: versitygw missing (make deps)" >&2; exit 1; }

OUT=${BENCH_OUT:-$(mktemp -d /tmp/mediagate-bench.XXXXXX)}
mkdir -p "$OUT"
DATA=$(mktemp -d /tmp/mediagate-bench-data.XXXXXX)
RESULTS=$OUT/results.tsv
: >"$RESULTS"
: >"$OUT/load.jsonl"
echo ">> raw outputs in $OUT"

PIDS=()
# ours PID: still running and our own child (a reaped PID may have been reused by someone else).
ours() { [[ $(ps -o ppid= -p "$1" 2>/dev/null | tr -d ' ') == "$$" ]]; }
cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		ours "$pid" && { kill "$pid" 2>/dev/null || true; }
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$DATA"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$RESULTS"; }

# section NAME: whether BENCH_ONLY (e.g. "https", "go http"; default all) asks for that part.
section() { [[ -z ${BENCH_ONLY:-} || " $BENCH_ONLY " == *" $1 "* ]]; }

# free_port and wait_http come from lib.sh.
source "$ROOT/scripts/lib.sh"

# ---------------------------------------------------------------- meta
record meta cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
record meta cores "$(nproc)"
record meta date "$(date -u '+%Y-%m-%d %H:%M UTC')"
record meta go "$(go version | awk '{print $3}')"
record meta caddy "$("$CADDY" version | awk '{print $1}')"
record meta openssl "$(openssl version | awk '{print $1, $2}')"
record meta load_before "$(cut -d' ' -f1-3 /proc/loadavg)"
record meta mode "$([[ $QUICK == 1 ]] && echo quick || echo full)"

echo ">> building bench tools"
go build -o "$OUT/load" ./bench/cmd/load
go build -o "$OUT/report" ./bench/cmd/report
go build -o "$OUT/views" ./bench/cmd/views

# ---------------------------------------------------------------- package benchmarks
if section go; then
gobench() { # name pkg regexp
	echo ">> go bench $2 ($1)"
	go test -run '^$' -bench "$3" -benchmem -count "$GO_COUNT" -benchtime "$GO_BENCHTIME" "$2" >"$OUT/go-$1.txt" 2>&1 ||
		{ echo "bench: go test $2 failed:" >&2; tail -20 "$OUT/go-$1.txt" >&2; }
}
gobench edgetoken ./caddyauth/edgetoken/ '^Benchmark(VerifyACLSHA256|BareHMACSHA256)$'
gobench playlist ./hlsproxy/playlist/ '^Benchmark(Rewrite10kSegments|RewriteAppendURI10kSegments|GrafovDecode10kSegments)$'
gobench delivery ./internal/delivery/ '^Benchmark(DeliveryRewrite10kTokenized|GrafovDecode10k)$'
gobench origin ./hlsproxy/origin/ '^BenchmarkFetch2MiB$'
gobench copy ./bench/ '^BenchmarkCopyToIdleTimeoutWriter$'

# aescbc (raw CBC, with its crypto/cipher twin) and segcrypt (streaming) interleaved with
# `openssl speed` on 2 MB buffers, so all three see the same load.
echo ">> go bench ./internal/aescbc/ + ./hlsproxy/segcrypt/ + openssl speed, $GO_COUNT rounds"
: >"$OUT/go-aescbc.txt"
: >"$OUT/go-segcrypt.txt"
for ((i = 0; i < GO_COUNT; i++)); do
	go test -run '^$' -bench '^Benchmark(Decrypt2MB|Encrypt2MB)$' \
		-benchmem -count 1 -benchtime "$GO_BENCHTIME" ./internal/aescbc/ >>"$OUT/go-aescbc.txt" 2>&1 || true
	go test -run '^$' -bench '^Benchmark(Decrypt2MB|Encrypt2MB|OpenSSLDecrypt2MB|OpenSSLEncrypt2MB)$' \
		-benchmem -count 1 -benchtime "$GO_BENCHTIME" ./hlsproxy/segcrypt/ >>"$OUT/go-segcrypt.txt" 2>&1 || true
	for op in enc dec; do
		flag=""
		[[ $op == dec ]] && flag=-decrypt
		# -elapsed: wall-clock time, like go test (openssl's default divides by its user CPU time,
		# which a busy machine does not slow down, while it slows the Go side).
		kbs=$(openssl speed -elapsed -evp aes-128-cbc $flag -bytes $SEG_SIZE -seconds "$OPENSSL_SECS" 2>/dev/null |
			awk '$1 == "AES-128-CBC" {sub(/k$/, "", $2); print $2}')
		[[ -n $kbs ]] && record openssl_mbps "$op" "$(awk -v k="$kbs" 'BEGIN {printf "%.1f", k / 1000}')"
	done
done
fi # section go

# ---------------------------------------------------------------- origin data and servers
echo ">> origin data in $DATA"
mkdir -p "$DATA/www/media" "$DATA/s3/mediagate/media"
head -c $SEG_SIZE /dev/urandom >"$DATA/www/media/seg.ts"
truncate -s $BIG_SIZE "$DATA/www/media/big.ts" # sparse: no disk, reads as zeros
cp "$DATA/www/media/seg.ts" "$DATA/s3/mediagate/media/seg.ts"
truncate -s $BIG_SIZE "$DATA/s3/mediagate/media/big.ts"

P_ORIGIN=$(free_port) P_VGW=$(free_port) P_ADMIN=$(free_port)
P_BASE=$(free_port) P_OURS=$(free_port) P_PROXY=$(free_port) P_S3=$(free_port)
EDGEAUTH_KEY=$(openssl rand -hex 16)
VGW_ACCESS=benchaccess VGW_SECRET=$(openssl rand -hex 12)
export P_ORIGIN P_VGW P_ADMIN P_BASE P_OURS P_PROXY P_S3 EDGEAUTH_KEY VGW_ACCESS VGW_SECRET
export ORIGIN_ROOT=$DATA/www

cat >"$OUT/origin.Caddyfile" <<'EOF'
{
	admin off
	auto_https off
	persist_config off
}
http://127.0.0.1:{$P_ORIGIN} {
	bind 127.0.0.1
	root * {$ORIGIN_ROOT}
	file_server
}
EOF

# One Caddy, four sites: the reverse_proxy baseline, ours (edgeauth + hls_proxy), ours
# without edgeauth (to split the cost), and ours over the S3 gateway (SigV4).
cat >"$OUT/proxy.Caddyfile" <<'EOF'
{
	admin 127.0.0.1:{$P_ADMIN}
	auto_https off
	persist_config off
}
http://127.0.0.1:{$P_BASE} {
	bind 127.0.0.1
	reverse_proxy 127.0.0.1:{$P_ORIGIN}
}
http://127.0.0.1:{$P_OURS} {
	bind 127.0.0.1
	edgeauth {
		key {env.EDGEAUTH_KEY}
		query __token__
	}
	hls_proxy {
		origin http://127.0.0.1:{$P_ORIGIN}/media
		strip_prefix /hls
	}
}
http://127.0.0.1:{$P_PROXY} {
	bind 127.0.0.1
	hls_proxy {
		origin http://127.0.0.1:{$P_ORIGIN}/media
		strip_prefix /hls
	}
}
http://127.0.0.1:{$P_S3} {
	bind 127.0.0.1
	edgeauth {
		key {env.EDGEAUTH_KEY}
		query __token__
	}
	hls_proxy {
		origin s3://mediagate/media {
			endpoint http://127.0.0.1:{$P_VGW}
			access_key {env.VGW_ACCESS}
			secret_key {env.VGW_SECRET}
		}
		strip_prefix /hls
	}
}
EOF

echo ">> starting origin (Caddy file_server :$P_ORIGIN) and versitygw (:$P_VGW)"
"$CADDY" run --config "$OUT/origin.Caddyfile" --adapter caddyfile >"$OUT/origin.log" 2>&1 &
PIDS+=($!)
"$VERSITYGW" --access "$VGW_ACCESS" --secret "$VGW_SECRET" --port "127.0.0.1:$P_VGW" posix --nometa "$DATA/s3" >"$OUT/versitygw.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$P_ORIGIN/media/seg.ts"
wait_http "http://127.0.0.1:$P_VGW/"

TOKEN=$("$CADDY" edgeauth token --acl '/hls/*' --window 3600) # key from $EDGEAUTH_KEY
URL_BASE="http://127.0.0.1:$P_BASE/media"
URL_OURS="http://127.0.0.1:$P_OURS/hls"
URL_PROXY="http://127.0.0.1:$P_PROXY/hls"
URL_S3="http://127.0.0.1:$P_S3/hls"
Q="?__token__=$TOKEN"

PROXY_PID=""
start_proxy() { # [Caddyfile], default proxy.Caddyfile
	"$CADDY" run --config "${1:-$OUT/proxy.Caddyfile}" --adapter caddyfile >>"$OUT/proxy.log" 2>&1 &
	PROXY_PID=$!
	PIDS+=("$PROXY_PID")
	wait_http "http://127.0.0.1:$P_ADMIN/config/"
}
stop_proxy() {
	local keep=() pid
	ours "$PROXY_PID" && { kill "$PROXY_PID" 2>/dev/null || true; }
	wait "$PROXY_PID" 2>/dev/null || true
	for pid in "${PIDS[@]}"; do
		[[ $pid == "$PROXY_PID" ]] || keep+=("$pid")
	done
	PIDS=("${keep[@]}")
	PROXY_PID=""
}
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
# cpu_ms PID: user+system CPU time the process has used, in ms (robust on a shared machine).
CLK_TCK=$(getconf CLK_TCK)
cpu_ms() { awk -v t="$CLK_TCK" '{printf "%d", ($14 + $15) * 1000 / t}' "/proc/$1/stat"; }

# check URL SIZE: a 200 with exactly SIZE bytes, or abort with the proxy log.
CURL_TLS=() # --cacert of Caddy's internal CA, once the HTTPS section starts
check() {
	local got
	got=$(curl -s "${CURL_TLS[@]}" -o /dev/null --max-time 60 -w '%{http_code} %{size_download}' "$1")
	if [[ $got != "200 $2" ]]; then
		echo "bench: GET ${1%%\?*} -> $got, want 200 $2" >&2
		tail -20 "$OUT/proxy.log" >&2
		exit 1
	fi
}

# wrk_moved log bytes: "answers req/s" from a wrk log, counting bytes read / bytes (see wrk_run).
wrk_moved() {
	awk -v size="$2" '$2 == "requests" && $3 == "in" {
		d = $4; sub(/,$/, "", d); secs = d + 0
		if (d ~ /ms$/) secs /= 1000; else if (d ~ /m$/) secs *= 60
		b = $5 + 0; u = $5; gsub(/[0-9.]/, "", u)
		m = u == "KB" ? 1024 : u == "MB" ? 1048576 : u == "GB" ? 1073741824 : u == "TB" ? 1099511627776 : 1
		if (secs > 0) printf "%.4f %.4f", b * m / size, b * m / size / secs }' "$1"
}
# wrk_run label url [seconds [bytes]]: one wrk run; req/s and proxy CPU per request. With bytes
# (what one answer's body holds), req/s is wrk's bytes read / bytes / duration: requests still
# in flight when wrk stops count for what they moved (with 6 MB answers on 16 connections a
# short run's completed count alone is mostly rounding); wrk's own figure goes to rps_done.
wrk_run() {
	local log=$OUT/wrk-$1-$r.txt c0 c1 n
	c0=$(cpu_ms "$PROXY_PID")
	wrk -t2 -c"$WRK_CONN" -d"${3:-$WRK_SECS}s" --timeout 30s "$2" >"$log" 2>&1 || true
	c1=$(cpu_ms "$PROXY_PID")
	if [[ -n ${4:-} ]]; then
		n=$(wrk_moved "$log" "$4")
		record rps_done "$1" "$(awk '$1 == "Requests/sec:" {print $2}' "$log")"
		record rps "$1" "${n#* }"
		n=${n%% *}
	else
		record rps "$1" "$(awk '$1 == "Requests/sec:" {print $2}' "$log")"
		n=$(awk '$2 == "requests" && $3 == "in" {print $1}' "$log")
	fi
	awk -v n="${n:-0}" 'BEGIN {exit !(n > 0)}' && record cpu_ms_per_req "$1" "$(awk -v c=$((c1 - c0)) -v n="$n" 'BEGIN {printf "%.3f", c / n}')"
	record wrk_errors "$1" "$(awk '/Non-2xx|Socket errors/ {n++} END {print n + 0}' "$log")"
}

# ---------------------------------------------------------------- 1 GiB streaming memory
if section http; then
# A fresh Caddy per variant: warm it with one segment, then stream 1 GiB and compare
# the peak RSS (VmHWM) before and after.
rss_probe() { # label segment-url big-url
	local label=$1 hwm0 rss0 hwm1 rss1 got code size speed cpu0 cpu1
	echo ">> 1 GiB stream, $label"
	start_proxy
	check "$2" $SEG_SIZE
	hwm0=$(status_kb "$PROXY_PID" VmHWM) rss0=$(status_kb "$PROXY_PID" VmRSS) cpu0=$(cpu_ms "$PROXY_PID")
	got=$(curl -s -o /dev/null --max-time 300 -w '%{http_code} %{size_download} %{speed_download}' "$3")
	hwm1=$(status_kb "$PROXY_PID" VmHWM) rss1=$(status_kb "$PROXY_PID" VmRSS) cpu1=$(cpu_ms "$PROXY_PID")
	read -r code size speed <<<"$got"
	[[ $code == 200 && $size == "$BIG_SIZE" ]] || echo "bench: 1 GiB via $label -> $code $size" >&2
	record rss "$label.hwm_before_kb" "$hwm0"
	record rss "$label.hwm_after_kb" "$hwm1"
	record rss "$label.rss_before_kb" "$rss0"
	record rss "$label.rss_after_kb" "$rss1"
	record rss "$label.status" "$code $size"
	record rss "$label.speed_Bps" "$speed"
	record rss "$label.cpu_ms" $((cpu1 - cpu0))
	stop_proxy
}
rss_probe ours "$URL_OURS/seg.ts$Q" "$URL_OURS/big.ts$Q"
rss_probe s3 "$URL_S3/seg.ts$Q" "$URL_S3/big.ts$Q"
rss_probe baseline "$URL_BASE/seg.ts" "$URL_BASE/big.ts"

# ---------------------------------------------------------------- req/s through Caddy
start_proxy
check "$URL_BASE/seg.ts" $SEG_SIZE
check "$URL_OURS/seg.ts$Q" $SEG_SIZE
check "$URL_PROXY/seg.ts" $SEG_SIZE
check "$URL_S3/seg.ts$Q" $SEG_SIZE

for ((r = 1; r <= WRK_RUNS; r++)); do
	echo ">> wrk -c$WRK_CONN ${WRK_SECS}s, round $r/$WRK_RUNS"
	wrk_run baseline "$URL_BASE/seg.ts"
	if [[ $PROFILE == 1 && $r == 1 ]]; then
		curl -s --max-time $((WRK_SECS + 10)) -o "$OUT/ours.cpu.pprof" \
			"http://127.0.0.1:$P_ADMIN/debug/pprof/profile?seconds=$((WRK_SECS - 1))" &
		PIDS+=($!)
	fi
	wrk_run ours "$URL_OURS/seg.ts$Q"
	wrk_run proxyonly "$URL_PROXY/seg.ts"
	wrk_run s3 "$URL_S3/seg.ts$Q"
done

# ---------------------------------------------------------------- 1 000 concurrent streams
# Paced: each of the $CONC streams opens its connection (HEAD, unmeasured), then fetches one
# segment at a random time within $PERIOD s, like a player; baseline and ours alternating.
for ((r = 1; r <= CONC_RUNS; r++)); do
	echo ">> $CONC concurrent streams, one segment per ${PERIOD}s each, round $r/$CONC_RUNS"
	for label in baseline ours; do
		url="$URL_BASE/seg.ts"
		[[ $label == ours ]] && url="$URL_OURS/seg.ts$Q"
		"$OUT/load" -url "$url" -c "$CONC" -d "${PERIOD}s" -period "${PERIOD}s" -warmup 3s -label "$label" -expect $SEG_SIZE >>"$OUT/load.jsonl"
	done
done
# Saturated: the same streams back to back for a few seconds (one round: req/s, errors), each
# variant on a fresh Caddy so its peak RSS under 1 000 open streams can be read too.
for label in baseline ours; do
	url="$URL_BASE/seg.ts"
	[[ $label == ours ]] && url="$URL_OURS/seg.ts$Q"
	echo ">> $CONC concurrent streams back to back (saturation), $label, 3s"
	stop_proxy
	start_proxy
	check "$url" $SEG_SIZE
	h0=$(status_kb "$PROXY_PID" VmHWM)
	"$OUT/load" -url "$url" -c "$CONC" -d 3s -label "sat-$label" -expect $SEG_SIZE >>"$OUT/load.jsonl"
	record rss "sat-$label.hwm_before_kb" "$h0"
	record rss "sat-$label.hwm_after_kb" "$(status_kb "$PROXY_PID" VmHWM)"
done
stop_proxy
fi # section http

# ---------------------------------------------------------------- HTTPS: four modes, cold and hot; origin GETs
section https && source "$ROOT/scripts/bench-https.sh"

record meta load_after "$(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------- table
# bench/notes.md: the reading of the committed run (object_cache reasoning, closing note).
notes=()
[[ -f $ROOT/bench/notes.md ]] && notes=(-notes "$ROOT/bench/notes.md")
"$OUT/report" -dir "$OUT" -out "${BENCH_MD:-$ROOT/BENCHMARKS.md}" "${notes[@]}"
if [[ -s $OUT/ours.cpu.pprof ]]; then
	echo ">> CPU profile of Caddy during 'ours' load: $OUT/ours.cpu.pprof"
	go tool pprof -top -nodecount 25 "$CADDY" "$OUT/ours.cpu.pprof" 2>/dev/null | head -35
fi
