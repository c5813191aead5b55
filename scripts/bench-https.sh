# bench-https.sh — sourced by bench.sh (uses its helpers, ports, origin and OUT/DATA): the
# headline tables of issues 16 and 26. Over HTTPS (`tls internal`, what secure_routes enforces
# in production), HTTP/1.1 keep-alive, wrk -t2 -c$WRK_CONN, at 500 KB, 2 MB and 6 MB segments:
#   - a plain reverse_proxy of the clear object (the baseline of every row);
#   - edgeauth + hls_proxy in each of its four modes WITHOUT object_cache ("cold": concurrent
#     misses still share one origin request, as they always do);
#   - the same four modes WITH object_cache 256MiB, the object hot ("hot-<mode>");
# all interleaved in every round (the baseline twice per round, before each group), medians.
# Then origin GETs counted at the origin (its access log) for 1 view, 16 concurrent cold views
# and 21 views with object_cache, in every mode, with mediagate_hls_proxy_origin_requests_total
# from Caddy's metrics endpoint beside them. Then, where a row missed its target, CPU profiles
# of that row and of the baseline at its size (BENCH_PROFILE, see bench.sh).
#
# The origin (the file_server bench.sh started) serves /clear/ (plain segments and playlist:
# passthrough, encrypt, and the baseline) and /enc/ (the same segments AES-128-CBC encrypted
# with openssl, key.bin, an EXT-X-KEY playlist: decrypt, reencrypt). Modes other than
# passthrough only serve context-sealed segment URLs, so those are read from the playlist each
# site rewrites. The counts use their own origin (a second file_server with an access log, over
# the same directory) and their own sites, so logging never slows the measured origin.

HTTPS_SIZES=(500k:500000 2m:2097152 6m:6291456)
HTTPS_MODES=(passthrough decrypt encrypt reencrypt)
HTTPS_CACHE=256MiB
COUNT_CASES=(one conc hot nocache) # 1 view, 16 concurrent cold views, 21 views cached / uncached
COUNT_SIZE=2097152

mode_dir() { [[ $1 == decrypt || $1 == reencrypt ]] && echo enc || echo clear; }

echo ">> HTTPS data: ${HTTPS_SIZES[*]}, count objects"
mkdir -p "$DATA/www/clear" "$DATA/www/enc" "$DATA/caddy-storage"
openssl rand 16 >"$DATA/www/enc/key.bin"
SEG_KEY=$(od -An -tx1 "$DATA/www/enc/key.bin" | tr -d ' \n') SEG_IV=$(openssl rand -hex 16)
playlist_head='#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n'
key_line='#EXT-X-KEY:METHOD=AES-128,URI="key.bin",IV=0x'$SEG_IV'\n'
for pl in index count; do
	printf "$playlist_head" >"$DATA/www/clear/$pl.m3u8"
	printf "$playlist_head$key_line" >"$DATA/www/enc/$pl.m3u8"
done
add_segment() { # playlist-stem name bytes: the clear object, its encrypted twin, both playlists
	head -c "$3" /dev/urandom >"$DATA/www/clear/$2"
	openssl enc -aes-128-cbc -K "$SEG_KEY" -iv "$SEG_IV" -in "$DATA/www/clear/$2" -out "$DATA/www/enc/$2"
	printf '#EXTINF:6.0,\n%s\n' "$2" | tee -a "$DATA/www/clear/$1.m3u8" >>"$DATA/www/enc/$1.m3u8"
}
declare -A HTTPS_SIZE # label -> bytes
for sz in "${HTTPS_SIZES[@]}"; do
	HTTPS_SIZE[${sz%%:*}]=${sz##*:}
	add_segment index "seg-${sz%%:*}.ts" "${sz##*:}"
done
# One object per mode and case (and for the baseline), so every count starts cold; "warm" is
# viewed first on each count site so its key (decrypt, reencrypt) is fetched before counting.
for m in base "${HTTPS_MODES[@]}"; do
	for c in warm "${COUNT_CASES[@]}"; do
		add_segment count "cnt-$m-$c.ts" $COUNT_SIZE
	done
done
printf '#EXT-X-ENDLIST\n' | tee -a "$DATA/www/clear/index.m3u8" "$DATA/www/clear/count.m3u8" "$DATA/www/enc/count.m3u8" >>"$DATA/www/enc/index.m3u8"

P_CORIGIN=$(free_port)
HLS_KEY_SECRET=$(openssl rand -hex 32)
CADDY_STORAGE=$DATA/caddy-storage
export HLS_KEY_SECRET CADDY_STORAGE
# HTTPS_PORT[variant] and HTTPS_PORT[count-variant]: one site each.
declare -A HTTPS_PORT
for v in baseline "${HTTPS_MODES[@]}" "${HTTPS_MODES[@]/#/hot-}"; do
	HTTPS_PORT[$v]=$(free_port)
	HTTPS_PORT[count-$v]=$(free_port)
done

cat >"$OUT/count-origin.Caddyfile" <<EOF
{
	admin off
	auto_https off
	persist_config off
}
http://127.0.0.1:$P_CORIGIN {
	bind 127.0.0.1
	root * $DATA/www
	file_server
	log {
		output file $OUT/count-origin-access.log
		format json
	}
}
EOF
"$CADDY" run --config "$OUT/count-origin.Caddyfile" --adapter caddyfile >"$OUT/count-origin.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$P_CORIGIN/clear/index.m3u8"

hls_site() { # port origin-port mode cache
	local dir cache=""
	dir=$(mode_dir "$3")
	[[ $4 == on ]] && cache="object_cache $HTTPS_CACHE"
	cat <<EOF
https://127.0.0.1:$1 {
	bind 127.0.0.1
	tls internal
	edgeauth {
		key {env.EDGEAUTH_KEY}
		query __token__
	}
	hls_proxy {
		origin http://127.0.0.1:$2/$dir
		strip_prefix /hls
		encryption $3
		key_secret {env.HLS_KEY_SECRET}
		tokenize
		$cache
	}
}
EOF
}
# tls internal: Caddy's own CA in a temp storage (never the system trust store, never :80).
{
	cat <<EOF
{
	admin 127.0.0.1:$P_ADMIN
	persist_config off
	skip_install_trust
	auto_https disable_redirects
	storage file_system {\$CADDY_STORAGE}
	servers {
		protocols h1 h2
	}
}
EOF
	for o in "baseline:$P_ORIGIN" "count-baseline:$P_CORIGIN"; do
		printf 'https://127.0.0.1:%s {\n\tbind 127.0.0.1\n\ttls internal\n\treverse_proxy 127.0.0.1:%s\n}\n' \
			"${HTTPS_PORT[${o%%:*}]}" "${o##*:}"
	done
	for m in "${HTTPS_MODES[@]}"; do
		hls_site "${HTTPS_PORT[$m]}" "$P_ORIGIN" "$m" off
		hls_site "${HTTPS_PORT[hot-$m]}" "$P_ORIGIN" "$m" on
		hls_site "${HTTPS_PORT[count-$m]}" "$P_CORIGIN" "$m" off
		hls_site "${HTTPS_PORT[count-hot-$m]}" "$P_CORIGIN" "$m" on
	done
} >"$OUT/https.Caddyfile"

echo ">> HTTPS proxy (tls internal): reverse_proxy :${HTTPS_PORT[baseline]}, modes cold and hot, count sites over :$P_CORIGIN"
start_proxy "$OUT/https.Caddyfile"
HTTPS_CA=$CADDY_STORAGE/pki/authorities/local/root.crt
for ((i = 0; i < 100; i++)); do
	[[ -s $HTTPS_CA ]] && break
	sleep 0.1
done
CURL_TLS=(--cacert "$HTTPS_CA")
wait_http "https://127.0.0.1:${HTTPS_PORT[baseline]}/clear/index.m3u8" "${CURL_TLS[@]}"

# seg_url variant playlist-stem name: the URL a viewer of that site fetches for object name.
declare -A PLAYLISTS
seg_url() {
	local port=${HTTPS_PORT[$1]} mode=${1#count-} line
	mode=${mode#hot-}
	case $mode in
	baseline) echo "https://127.0.0.1:$port/clear/$3" ;;
	passthrough) echo "https://127.0.0.1:$port/hls/$3$Q" ;;
	*)
		[[ -n ${PLAYLISTS[$1.$2]:-} ]] ||
			PLAYLISTS[$1.$2]=$(curl -s "${CURL_TLS[@]}" --max-time 10 "https://127.0.0.1:$port/hls/$2.m3u8$Q")
		line=$(grep -m1 "^$3?" <<<"${PLAYLISTS[$1.$2]}" || true)
		[[ -n $line ]] || { echo "bench: $1 playlist $2 has no sealed URL for $3:" >&2; echo "${PLAYLISTS[$1.$2]}" >&2; exit 1; }
		echo "https://127.0.0.1:$port/hls/$line"
		;;
	esac
}
# seg_len variant bytes: what a 200 for a clear object of that size carries in that mode.
seg_len() {
	case ${1#hot-} in
	encrypt | reencrypt) echo $((($2 / 16 + 1) * 16)) ;;
	*) echo "$2" ;;
	esac
}

# HTTPS_URL[size.variant]: what wrk fetches, checked once (status and exact length); a hot
# variant's check is also what puts its object in the cache.
declare -A HTTPS_URL
HTTPS_VARIANTS=(baseline "${HTTPS_MODES[@]}" "${HTTPS_MODES[@]/#/hot-}")
for v in "${HTTPS_VARIANTS[@]}"; do
	for sz in "${HTTPS_SIZES[@]}"; do
		url=$(seg_url "$v" index "seg-${sz%%:*}.ts")
		check "$url" "$(seg_len "$v" "${sz##*:}")"
		HTTPS_URL[${sz%%:*}.$v]=$url
	done
done

# ---------------------------------------------------------------- origin GETs
source "$ROOT/scripts/bench-count.sh"

# ---------------------------------------------------------------- req/s, cold and hot
# Per round and size: baseline, the four cold modes, baseline again, the four hot modes.
for ((r = 1; r <= HTTPS_RUNS; r++)); do
	for sz in "${HTTPS_SIZES[@]}"; do
		s=${sz%%:*}
		echo ">> HTTPS $s, wrk -c$WRK_CONN ${HTTPS_SECS}s, round $r/$HTTPS_RUNS"
		for v in baseline "${HTTPS_MODES[@]}" baseline "${HTTPS_MODES[@]/#/hot-}"; do
			wrk_run "https-$s-$v" "${HTTPS_URL[$s.$v]}" "$HTTPS_SECS" "$(seg_len "$v" "${sz##*:}")"
		done
	done
done

# ---------------------------------------------------------------- profiles
# profile_https size variant: a CPU profile of Caddy during one wrk run of that row, its
# `pprof -top` and the run's request count (report turns both into CPU per request).
profile_https() {
	local name=$1-$2
	[[ -e $OUT/profile-https-$name.txt ]] && return 0
	echo ">> CPU profile of Caddy, HTTPS $1 $2"
	curl -s --max-time $((HTTPS_SECS + 10)) -o "$OUT/https-$name.cpu.pprof" \
		"http://127.0.0.1:$P_ADMIN/debug/pprof/profile?seconds=$HTTPS_SECS" &
	PIDS+=($!)
	sleep 0.2
	wrk -t2 -c"$WRK_CONN" -d"${HTTPS_SECS}s" --timeout 30s "${HTTPS_URL[$1.$2]}" >"$OUT/wrk-profile-$name.txt" 2>&1 || true
	wait "${PIDS[-1]}" || true
	go tool pprof -top -nodecount 300 "$CADDY" "$OUT/https-$name.cpu.pprof" >"$OUT/profile-https-$name.txt" 2>/dev/null || true
	local moved
	moved=$(wrk_moved "$OUT/wrk-profile-$name.txt" "$(seg_len "$2" "${HTTPS_SIZE[$1]}")")
	record profile_requests "$name" "${moved%% *}"
}
case $PROFILE in
0) ;;
*)
	want=()
	[[ $PROFILE == 1 ]] && for m in "${HTTPS_MODES[@]}"; do want+=("2m $m" "2m hot-$m"); done
	# The rows that missed so far (the report reads the same results.tsv).
	mapfile -t -O "${#want[@]}" want < <("$OUT/report" -dir "$OUT" -misses)
	for row in "${want[@]}"; do
		read -r s v <<<"$row"
		[[ -n ${HTTPS_URL[$s.$v]:-} ]] || continue
		profile_https "$s" baseline
		profile_https "$s" "$v"
	done
	;;
esac
stop_proxy
CURL_TLS=()
