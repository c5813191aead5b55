#!/usr/bin/env bash
# demo.sh — the mediagate demo (`make demo` runs it after `make build` and installing versitygw).
#
# Copies testdata/sample into a temp dir served as S3 bucket "media" by versitygw on 127.0.0.1
# (random free port, random access/secret), generates a random EdgeAuth key and HLS key_secret,
# installs hls.js into demo/player (npm ci) when missing, starts
#   bin/caddy run --config caddyfile-examples/demo.Caddyfile
# (media on https://localhost:8443, the check player on https://localhost:8444, a second origin)
# and prints a tokenized player URL (valid 300 s), the same URL without a token (403), the key
# and secret used, and how to stop. Ctrl-C stops everything and removes the temp dir.
#
# Environment:
#   DEMO_MEDIA_PORT (8443) DEMO_PLAYER_PORT (8444) DEMO_ADMIN_PORT (2999)
#   DEMO_HTTP_PORT (8080: plain HTTP, answered with a 308 to the media host by secure_routes)
#   DEMO_WINDOW     token lifetime in seconds (300)
#   DEMO_SMOKE=1    non-interactive: start, check with curl that the tokenized playlist answers
#                   200 and the untokenized one 403, stop, exit 0 (1 on failure)
#   CADDY           the Caddy binary (bin/caddy; built with tools/caddybuild when missing)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

export DEMO_MEDIA_PORT="${DEMO_MEDIA_PORT:-8443}"
export DEMO_PLAYER_PORT="${DEMO_PLAYER_PORT:-8444}"
export DEMO_ADMIN_PORT="${DEMO_ADMIN_PORT:-2999}"
export DEMO_HTTP_PORT="${DEMO_HTTP_PORT:-8080}"
export DEMO_PLAYER_DIR="$ROOT/demo/player"
WINDOW="${DEMO_WINDOW:-300}"
SMOKE="${DEMO_SMOKE:-0}"
CADDY="${CADDY:-$ROOT/bin/caddy}"

step() { if [ -t 2 ]; then printf '\033[1m>> %s\033[0m\n' "$*" >&2; else printf '>> %s\n' "$*" >&2; fi; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

# --- tools ----------------------------------------------------------------------------------
for tool in openssl curl; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is required"
done
VERSITYGW="$(command -v versitygw || true)"
if [ -z "$VERSITYGW" ] && command -v go >/dev/null 2>&1; then
  gobin="$(go env GOPATH)/bin/versitygw"
  [ -x "$gobin" ] && VERSITYGW=$gobin
fi
[ -n "$VERSITYGW" ] || die "versitygw not found: run \`make deps\` (go install github.com/versity/versitygw/cmd/versitygw@v1.8.0)"
if [ ! -x "$CADDY" ]; then
  step "building bin/caddy (go run ./tools/caddybuild; the first build takes a few minutes)"
  go run ./tools/caddybuild -manifest xcaddy.json -o "$CADDY"
fi

# --- state and cleanup ----------------------------------------------------------------------
TMP="$(mktemp -d "${TMPDIR:-/tmp}/mediagate-demo.XXXXXX")"
VGW_PID=""
CADDY_PID=""
cleanup() {
  local rc=$?
  # Nothing may interrupt the cleanup: a second Ctrl-C or a group SIGTERM, or SIGPIPE when the
  # demo's output went through a pipe (`make demo | tee log`) whose reader is already gone.
  trap '' INT TERM HUP PIPE
  trap - EXIT
  set +e
  # (with SIGPIPE ignored, a write to a closed pipe just fails)
  [ "$SMOKE" = 1 ] || printf '\n' >&2
  step "stopping (caddy ${CADDY_PID:-none}, versitygw ${VGW_PID:-none}), removing $TMP"
  for pid in $CADDY_PID $VGW_PID; do
    # Each was started in its own process group (set -m): stop the whole group.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in $CADDY_PID $VGW_PID; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

source "$ROOT/scripts/lib.sh" # port_free, free_port, wait_http
for var in DEMO_MEDIA_PORT DEMO_PLAYER_PORT DEMO_ADMIN_PORT DEMO_HTTP_PORT; do
  port_free "${!var}" || die "port ${!var} ($var) is in use; set $var to another port"
done


urlencode() {
  local s=$1 out="" c i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in
      [a-zA-Z0-9.~_-]) out+=$c ;;
      *) out+=$(printf '%%%02X' "'$c") ;;
    esac
  done
  printf '%s' "$out"
}

# --- S3 bucket ------------------------------------------------------------------------------
step "copying testdata/sample into bucket \"media\" ($TMP/s3/media)"
mkdir -p "$TMP/s3/media"
cp -R testdata/sample/. "$TMP/s3/media/"
rm -f "$TMP/s3/media/SHA256SUMS"

S3_PORT="$(free_port)" || die "no free port found"
export DEMO_S3_ENDPOINT="http://127.0.0.1:$S3_PORT"
DEMO_S3_ACCESS_KEY="demo$(openssl rand -hex 6)"
DEMO_S3_SECRET_KEY="$(openssl rand -hex 20)"
EDGEAUTH_KEY="$(openssl rand -hex 32)"
HLS_KEY_SECRET="$(openssl rand -hex 32)"
export DEMO_S3_ACCESS_KEY DEMO_S3_SECRET_KEY EDGEAUTH_KEY HLS_KEY_SECRET

set -m # background jobs get their own process group, so cleanup can stop each whole group
step "starting versitygw on $DEMO_S3_ENDPOINT"
"$VERSITYGW" --quiet --access "$DEMO_S3_ACCESS_KEY" --secret "$DEMO_S3_SECRET_KEY" \
  --port "127.0.0.1:$S3_PORT" --region us-east-1 posix --nometa "$TMP/s3" >"$TMP/versitygw.log" 2>&1 &
VGW_PID=$!
wait_http --pid "$VGW_PID" --tries 300 "$DEMO_S3_ENDPOINT/" || die "versitygw did not start: $(tail -5 "$TMP/versitygw.log")"

# --- player ---------------------------------------------------------------------------------
if [ ! -f demo/player/node_modules/hls.js/dist/hls.min.js ]; then
  if [ "$SMOKE" = 1 ]; then
    step "demo/player/node_modules missing (smoke mode does not need it; the page would: npm ci in demo/player)"
  else
    command -v npm >/dev/null 2>&1 || die "npm is required to install hls.js into demo/player"
    step "installing hls.js into demo/player (npm ci)"
    (cd demo/player && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi

# --- caddy ----------------------------------------------------------------------------------
step "starting $(basename "$CADDY") run --config caddyfile-examples/demo.Caddyfile"
mkdir -p "$TMP/caddy"
XDG_DATA_HOME="$TMP/caddy/data" XDG_CONFIG_HOME="$TMP/caddy/config" \
  "$CADDY" run --config caddyfile-examples/demo.Caddyfile --adapter caddyfile >"$TMP/caddy.log" 2>&1 &
CADDY_PID=$!
wait_http --pid "$CADDY_PID" --tries 300 "http://127.0.0.1:$DEMO_ADMIN_PORT/config/" || die "caddy did not start: $(tail -5 "$TMP/caddy.log")"
MEDIA="https://localhost:$DEMO_MEDIA_PORT"
PLAYER="https://localhost:$DEMO_PLAYER_PORT"
for _ in $(seq 100); do # the local CA issues the certificate just after start
  curl -ks -o /dev/null --max-time 1 "$MEDIA/" && curl -ks -o /dev/null --max-time 1 "$PLAYER/" && break
  sleep 0.1
done

token() { "$CADDY" edgeauth token --acl "/hls/$1/*" --acl "/keys/$1/*" --window "$WINDOW"; }
TOKEN="$(token aes)"
SRC="$MEDIA/hls/aes/master.m3u8?__token__=$TOKEN"
BARE="$MEDIA/hls/aes/master.m3u8"

if [ "$SMOKE" = 1 ]; then
  ok=1
  code=$(curl -ks -o "$TMP/ok.m3u8" -w '%{http_code}' "$SRC")
  if [ "$code" = 200 ] && head -c 7 "$TMP/ok.m3u8" | grep -q '#EXTM3U'; then
    echo "smoke: tokenized playlist -> 200"
  else
    echo "smoke: tokenized playlist -> $code (want 200)"
    ok=0
  fi
  code=$(curl -ks -o /dev/null -D "$TMP/denied.h" -w '%{http_code}' "$BARE")
  reason=$(tr -d '\r' <"$TMP/denied.h" | sed -n 's/^[Xx]-[Ee]dgeauth-[Rr]eason: //p')
  if [ "$code" = 403 ]; then
    echo "smoke: untokenized playlist -> 403 (reason: ${reason:-none})"
  else
    echo "smoke: untokenized playlist -> $code (want 403)"
    ok=0
  fi
  code=$(curl -ks -o /dev/null -w '%{http_code}' "$PLAYER/index.html")
  [ "$code" = 200 ] && echo "smoke: player page -> 200" || { echo "smoke: player page -> $code (want 200)"; ok=0; }
  if [ "$ok" = 1 ]; then
    echo "smoke: OK"
    exit 0
  fi
  echo "smoke: FAILED; caddy log tail:"
  tail -20 "$TMP/caddy.log"
  exit 1
fi

cat <<EOF

  mediagate demo is running (tokens valid ${WINDOW} s; browsers will warn about the local CA).

  Play (tokenized, AES-128 at rest, re-encrypted with a derived key):
    $PLAYER/?src=$(urlencode "$SRC")

  The same stream without a token (the page shows the 403 and its reason):
    $PLAYER/?src=$(urlencode "$BARE")

  Other samples (tokens for clear MPEG-TS and fMP4):
    $PLAYER/?src=$(urlencode "$MEDIA/hls/clear/master.m3u8?__token__=$(token clear)")
    $PLAYER/?src=$(urlencode "$MEDIA/hls/fmp4/master.m3u8?__token__=$(token fmp4)")

  Raw:  curl -k '$SRC'
        ffprobe -tls_verify 0 '$SRC'
  New token:  EDGEAUTH_KEY=$EDGEAUTH_KEY $CADDY edgeauth token --acl '/hls/aes/*' --acl '/keys/aes/*' --window 300
  Explain:    EDGEAUTH_KEY=$EDGEAUTH_KEY $CADDY edgeauth verify --path /hls/aes/master.m3u8 '<token>'

  EdgeAuth key (hex):  $EDGEAUTH_KEY
  HLS key_secret:      $HLS_KEY_SECRET
  S3 (versitygw):      $DEMO_S3_ENDPOINT  access $DEMO_S3_ACCESS_KEY  secret $DEMO_S3_SECRET_KEY
  Logs:                $TMP/caddy.log  $TMP/versitygw.log

  Stop: Ctrl-C (stops caddy and versitygw, removes $TMP).
EOF
wait "$CADDY_PID" || true
die "caddy exited: $(tail -5 "$TMP/caddy.log")"
