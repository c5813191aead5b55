# bench-https.sh — sourced by bench.sh (uses its helpers, ports, origin and OUT/DATA): the
# headline table of issue 16. Over HTTPS (`tls internal`, what secure_routes enforces in
# production), HTTP/1.1 keep-alive, wrk -t2 -c$WRK_CONN: a plain reverse_proxy of the clear
# object against edgeauth + hls_proxy in each of its four modes, for 2 MB (3 rounds), 500 KB
# and 6 MB segments, rounds interleaved; req/s and proxy CPU per request.
#
# The origin (the file_server bench.sh started) serves /clear/ (plain segments and playlist:
# passthrough, encrypt, and the baseline) and /enc/ (the same segments AES-128-CBC encrypted
# with openssl, key.bin, an EXT-X-KEY playlist: decrypt, reencrypt). Modes other than
# passthrough only serve context-sealed segment URLs, so those are read from the playlist each
# site rewrites.

HTTPS_SIZES=(2m:2097152 500k:500000 6m:6291456)

echo ">> HTTPS data: ${HTTPS_SIZES[*]}"
mkdir -p "$DATA/www/clear" "$DATA/www/enc" "$DATA/caddy-storage"
openssl rand 16 >"$DATA/www/enc/key.bin"
SEG_KEY=$(od -An -tx1 "$DATA/www/enc/key.bin" | tr -d ' \n') SEG_IV=$(openssl rand -hex 16)
playlist_head='#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n'
printf "$playlist_head" >"$DATA/www/clear/index.m3u8"
printf "$playlist_head"'#EXT-X-KEY:METHOD=AES-128,URI="key.bin",IV=0x%s\n' "$SEG_IV" >"$DATA/www/enc/index.m3u8"
for sz in "${HTTPS_SIZES[@]}"; do
	name=seg-${sz%%:*}.ts
	head -c "${sz##*:}" /dev/urandom >"$DATA/www/clear/$name"
	openssl enc -aes-128-cbc -K "$SEG_KEY" -iv "$SEG_IV" -in "$DATA/www/clear/$name" -out "$DATA/www/enc/$name"
	printf '#EXTINF:6.0,\n%s\n' "$name" | tee -a "$DATA/www/clear/index.m3u8" >>"$DATA/www/enc/index.m3u8"
done
printf '#EXT-X-ENDLIST\n' | tee -a "$DATA/www/clear/index.m3u8" >>"$DATA/www/enc/index.m3u8"

P_HBASE=$(free_port) P_HPASS=$(free_port) P_HDEC=$(free_port) P_HENC=$(free_port) P_HREENC=$(free_port)
HLS_KEY_SECRET=$(openssl rand -hex 32)
CADDY_STORAGE=$DATA/caddy-storage
export P_HBASE P_HPASS P_HDEC P_HENC P_HREENC HLS_KEY_SECRET CADDY_STORAGE

# tls internal: Caddy's own CA in a temp storage (never the system trust store, never :80).
{
	cat <<'EOF'
{
	admin 127.0.0.1:{$P_ADMIN}
	persist_config off
	skip_install_trust
	auto_https disable_redirects
	storage file_system {$CADDY_STORAGE}
	servers {
		protocols h1 h2
	}
}
https://127.0.0.1:{$P_HBASE} {
	bind 127.0.0.1
	tls internal
	reverse_proxy 127.0.0.1:{$P_ORIGIN}
}
EOF
	for site in "P_HPASS passthrough clear" "P_HDEC decrypt enc" "P_HENC encrypt clear" "P_HREENC reencrypt enc"; do
		read -r port mode dir <<<"$site"
		cat <<EOF
https://127.0.0.1:{\$$port} {
	bind 127.0.0.1
	tls internal
	edgeauth {
		key {env.EDGEAUTH_KEY}
		query __token__
	}
	hls_proxy {
		origin http://127.0.0.1:{\$P_ORIGIN}/$dir
		strip_prefix /hls
		encryption $mode
		key_secret {env.HLS_KEY_SECRET}
		tokenize
	}
}
EOF
	done
} >"$OUT/https.Caddyfile"

echo ">> HTTPS proxy (tls internal): reverse_proxy :$P_HBASE, passthrough :$P_HPASS, decrypt :$P_HDEC, encrypt :$P_HENC, reencrypt :$P_HREENC"
start_proxy "$OUT/https.Caddyfile"
HTTPS_CA=$CADDY_STORAGE/pki/authorities/local/root.crt
for ((i = 0; i < 100; i++)); do
	[[ -s $HTTPS_CA ]] && break
	sleep 0.1
done
CURL_TLS=(--cacert "$HTTPS_CA")
wait_http "https://127.0.0.1:$P_HBASE/clear/index.m3u8" "${CURL_TLS[@]}"

# HTTPS_URL[size.variant]: what wrk fetches, checked once (status and exact length).
declare -A HTTPS_URL
for mode in baseline passthrough decrypt encrypt reencrypt; do
	case $mode in
	baseline) port=$P_HBASE ;; passthrough) port=$P_HPASS ;; decrypt) port=$P_HDEC ;;
	encrypt) port=$P_HENC ;; reencrypt) port=$P_HREENC ;;
	esac
	pl=""
	[[ $mode == baseline || $mode == passthrough ]] ||
		pl=$(curl -s "${CURL_TLS[@]}" --max-time 10 "https://127.0.0.1:$port/hls/index.m3u8$Q")
	for sz in "${HTTPS_SIZES[@]}"; do
		label=${sz%%:*} n=${sz##*:} name=seg-${sz%%:*}.ts want=$n
		case $mode in
		baseline) url="https://127.0.0.1:$port/clear/$name" ;;
		passthrough) url="https://127.0.0.1:$port/hls/$name$Q" ;;
		*)
			line=$(grep -m1 "^$name?" <<<"$pl" || true)
			[[ -n $line ]] || { echo "bench: $mode playlist has no sealed URL for $name:" >&2; echo "$pl" >&2; exit 1; }
			url="https://127.0.0.1:$port/hls/$line"
			[[ $mode == decrypt ]] || want=$(((n / 16 + 1) * 16))
			;;
		esac
		check "$url" "$want"
		HTTPS_URL[$label.$mode]=$url
	done
done

https_round() { # size-label rounds seconds
	local mode
	for ((r = 1; r <= $2; r++)); do
		echo ">> HTTPS ${1}, wrk -c$WRK_CONN ${3}s, round $r/$2"
		for mode in baseline passthrough decrypt encrypt reencrypt; do
			wrk_run "https-$1-$mode" "${HTTPS_URL[$1.$mode]}" "$3"
		done
	done
}
https_round 2m "$HTTPS_RUNS" "$HTTPS_SECS"
https_round 500k "$HTTPS_MORE_RUNS" "$HTTPS_MORE_SECS"
https_round 6m "$HTTPS_MORE_RUNS" "$HTTPS_MORE_SECS"
if [[ ${BENCH_PROFILE:-0} == 1 ]]; then
	for mode in decrypt encrypt reencrypt; do
		echo ">> CPU profile of Caddy, HTTPS 2 MB $mode"
		curl -s --max-time $((HTTPS_SECS + 10)) -o "$OUT/https-$mode.cpu.pprof" \
			"http://127.0.0.1:$P_ADMIN/debug/pprof/profile?seconds=$HTTPS_SECS" &
		PIDS+=($!)
		wrk -t2 -c"$WRK_CONN" -d"${HTTPS_SECS}s" --timeout 30s "${HTTPS_URL[2m.$mode]}" >"$OUT/wrk-profile-$mode.txt" 2>&1 || true
		wait "${PIDS[-1]}" || true
		go tool pprof -top -nodecount 14 "$CADDY" "$OUT/https-$mode.cpu.pprof" >"$OUT/profile-https-$mode.txt" 2>/dev/null || true
	done
fi
stop_proxy
CURL_TLS=()
