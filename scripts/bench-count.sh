# bench-count.sh — sourced by bench-https.sh (its sites, seg_url, CURL_TLS): origin GETs per
# view, issue 26's figures, counted where they are billed: at the origin, from its access log
# ($OUT/count-origin-access.log, one JSON line per request). Beside each count, the delta of
# mediagate_hls_proxy_origin_requests_total (all kinds) on Caddy's metrics endpoint over the
# same views (the baseline sites are reverse_proxy: no such series, so no delta), and in
# encrypt and reencrypt, of mediagate_hls_proxy_segment_encryptions_total (CBC chains run) where
# the build has that series.
#
# Per mode (and for the reverse_proxy baseline), each case on its own object so it starts cold:
#   one     1 view, no object_cache                          target 1
#   conc    16 concurrent views, no object_cache, cold       target ≤ 2
#   hot     21 sequential views with object_cache            target ≤ 2
#   nocache the same 21 views without object_cache           (what the cache saves)

COUNT_LOG=$OUT/count-origin-access.log

# origin_requests name [GET]: requests the counting origin logged for /<dir>/name (all
# methods, or GETs only); waits until the log stops growing (Caddy logs after the response).
origin_requests() {
	local n prev=-1 i
	for ((i = 0; i < 20; i++)); do
		n=$(jq -r --arg p "$1" --arg m "${2:-}" \
			'select((.request.uri | split("?")[0] | endswith("/" + $p)) and ($m == "" or .request.method == $m)) | 1' \
			"$COUNT_LOG" 2>/dev/null | wc -l)
		[[ $n == "$prev" ]] && break
		prev=$n
		sleep 0.25
	done
	echo "$n"
}
# metric_sum NAME: the sum of a series over its labels on Caddy's metrics endpoint ("" when
# this build has no such series).
metric_sum() {
	curl -s --max-time 5 "http://127.0.0.1:$P_ADMIN/metrics" |
		awk -v n="$1" '$1 == n || index($1, n "{") == 1 {s += $2; seen = 1} END {if (seen) printf "%d", s}'
}

# views N parallel(0|1) variant url want: N views of url through that site (bench/cmd/views:
# HTTP/1.1 like wrk; in parallel, each viewer's connection is opened first with a GET of the
# site's count playlist, then all N requests go at once); prints how many were not a 200 of
# exactly want bytes.
views() {
	local warm port=${HTTPS_PORT[$3]}
	warm=https://127.0.0.1:$port/hls/count.m3u8$Q
	[[ $3 == count-baseline ]] && warm=https://127.0.0.1:$port/clear/count.m3u8
	"$OUT/views" -n "$1" -parallel="$([[ $2 == 1 ]] && echo true || echo false)" -warm "$warm" \
		-url "$4" -want "$5" -cacert "$HTTPS_CA"
}

# count variant case n parallel: n views of cnt-<mode>-<case>.ts through that site.
count_case() {
	local mode=${1#count-} name m0 e0 e1 bad url
	mode=${mode#hot-}
	[[ $mode == baseline ]] && mode=base
	name=cnt-$mode-$2.ts
	url=$(seg_url "$1" count "$name")
	m0=$(metric_sum mediagate_hls_proxy_origin_requests_total)
	e0=$(metric_sum mediagate_hls_proxy_segment_encryptions_total)
	bad=$(views "$3" "$4" "$1" "$url" "$(seg_len "${1#count-}" $COUNT_SIZE)")
	record origin_gets "$mode.$2" "$(origin_requests "$name" GET)"
	record origin_all "$mode.$2" "$(origin_requests "$name")"
	if [[ $mode != base ]]; then
		record origin_metric "$mode.$2" $(($(metric_sum mediagate_hls_proxy_origin_requests_total) - ${m0:-0}))
		e1=$(metric_sum mediagate_hls_proxy_segment_encryptions_total)
		[[ -z $e1 || $mode == passthrough || $mode == decrypt ]] || record encryptions "$mode.$2" $((e1 - ${e0:-0}))
	fi
	record count_bad "$mode.$2" "$bad"
	((bad == 0)) || echo "bench: $bad of $3 views of $name via $1 were not 200 with the full body" >&2
}

echo ">> origin GETs per view (counted in the access log of :$P_CORIGIN)"
for v in baseline "${HTTPS_MODES[@]}"; do
	cache=count-hot-$v
	[[ $v == baseline ]] && cache=count-baseline
	# Playlist (the viewers' warm-up GET) and key (decrypt, reencrypt) out of the way, on both
	# sites, so the metric's delta counts the segment's requests only.
	for site in "count-$v" "$cache"; do
		views 1 0 "$site" "https://127.0.0.1:${HTTPS_PORT[$site]}/$([[ $v == baseline ]] && echo clear || echo hls)/count.m3u8$Q" -1 >/dev/null
		views 1 0 "$site" "$(seg_url "$site" count "cnt-${v/baseline/base}-warm.ts")" "$(seg_len "$v" $COUNT_SIZE)" >/dev/null
	done
	count_case "count-$v" one 1 0
	count_case "count-$v" conc 16 1
	count_case "$cache" hot 21 0
	count_case "count-$v" nocache 21 0
	echo "   $v: $(awk -F'\t' -v m="${v/baseline/base}." '$1 == "origin_gets" && index($2, m) == 1 {printf "%s=%s ", substr($2, length(m) + 1), $3}' "$RESULTS")"
done
