#!/usr/bin/env bash
# gen-sample.sh — regenerate the committed sample HLS stream in testdata/sample/.
#
# Usage: scripts/gen-sample.sh [OUTDIR]        (default: testdata/sample)
# Needs: ffmpeg (libx264 + native aac), openssl, sha256sum.
#
# What it writes (6 s of testsrc + a 440 Hz sine, 25 fps, H.264 constrained baseline + AAC-LC,
# 2 s segments, so 3 segments a variant; the whole tree stays well under 1 MB):
#
#   clear/   master.m3u8 -> v0.m3u8 (320x180) and v1.m3u8 (192x108); MPEG-TS segments v0_N.ts, v1_N.ts
#   aes/     the SAME segments, AES-128-CBC encrypted at rest (PKCS#7 padding), keys committed here:
#              key.bin   16 bytes (KEY1 below, ASCII "mediagatesample1")
#              key2.bin  16 bytes (KEY2, "mediagatesample2"), the rotation key
#            master.m3u8 -> v0.m3u8: one EXT-X-KEY URI="key.bin" with an explicit IV (IV1)
#                           v1.m3u8: no IV attribute (IV = media sequence number, big endian),
#                                    EXT-X-MEDIA-SEQUENCE:5, and a key rotation: segments 0-1
#                                    use key.bin, segment 2 uses key2.bin
#   fmp4/    master.m3u8 -> v0.m3u8 (320x180), fragmented MP4: EXT-X-MAP init.mp4 + v0_N.m4s
#   SHA256SUMS  checksums of every file above (the e2e tests compare bytes against the clear tree)
#
# The output is deterministic: -bitexact everywhere, single-threaded encoders, a fixed source,
# fixed keys and IVs; running the script twice yields identical files (SHA256SUMS unchanged).
# Frame counts (for ffprobe -count_frames checks): 150 video frames per variant.
set -euo pipefail

cd "$(dirname "$0")/.."
OUT="${1:-testdata/sample}"

# Fixed, public, test-only keys (NEVER use these for anything real).
KEY1=6d656469616761746573616d706c6531   # "mediagatesample1"
KEY2=6d656469616761746573616d706c6532   # "mediagatesample2"
IV1=0f0e0d0c0b0a09080706050403020100    # explicit IV of aes/v0.m3u8
AES_V1_SEQ=5                            # first media sequence number of aes/v1.m3u8

DURATION=6
FPS=25
SEG=2

for tool in ffmpeg openssl sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || { echo "gen-sample: $tool is required" >&2; exit 1; }
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

step() { printf '>> %s\n' "$*"; }

# encode NAME WxH VIDEO_KBPS SEGMENT_TYPE(mpegts|fmp4) DIR
encode() {
  local name=$1 size=$2 vkbps=$3 segtype=$4 dir=$5 ext=ts
  local extra=()
  if [ "$segtype" = fmp4 ]; then
    ext=m4s
    extra=(-hls_segment_type fmp4 -hls_fmp4_init_filename init.mp4)
  fi
  step "encode $dir/$name.m3u8 ($size, ${vkbps}k, $segtype)"
  ffmpeg -hide_banner -loglevel error -y \
    -f lavfi -i "testsrc=size=${size}:rate=${FPS}:duration=${DURATION}" \
    -f lavfi -i "sine=frequency=440:sample_rate=44100:duration=${DURATION}" \
    -map 0:v -map 1:a \
    -c:v libx264 -profile:v baseline -level 3.0 -pix_fmt yuv420p -preset veryfast -threads 1 \
    -b:v "${vkbps}k" -maxrate "${vkbps}k" -bufsize "$((vkbps * 2))k" \
    -g $((FPS * SEG)) -keyint_min $((FPS * SEG)) -sc_threshold 0 \
    -x264-params "rc-lookahead=10:sliced-threads=0" \
    -c:a aac -b:a 32k -ac 1 -threads 1 \
    -fflags +bitexact -flags:v +bitexact -flags:a +bitexact -map_metadata -1 \
    -f hls -hls_time "$SEG" -hls_list_size 0 -hls_playlist_type vod \
    -hls_segment_filename "$dir/${name}_%d.$ext" "${extra[@]}" \
    "$dir/$name.m3u8"
}

# bandwidth PLAYLIST_DIR PREFIX: peak bits per second over the variant's segments.
bandwidth() {
  local dir=$1 prefix=$2 max=0 size
  for f in "$dir"/"$prefix"_*; do
    size=$(stat -c %s "$f")
    ((size > max)) && max=$size
  done
  echo $((max * 8 / SEG))
}

write_master() { # DIR then lines "name resolution"
  local dir=$1
  shift
  {
    echo "#EXTM3U"
    echo "#EXT-X-VERSION:3"
    echo "#EXT-X-INDEPENDENT-SEGMENTS"
    local entry name res
    for entry in "$@"; do
      name=${entry%% *}
      res=${entry#* }
      echo "#EXT-X-STREAM-INF:BANDWIDTH=$(bandwidth "$dir" "$name"),RESOLUTION=$res,CODECS=\"avc1.42c01e,mp4a.40.2\""
      echo "$name.m3u8"
    done
  } >"$dir/master.m3u8"
}

rm -rf "$OUT"
mkdir -p "$OUT/clear" "$OUT/aes" "$OUT/fmp4"

# --- clear: two MPEG-TS variants ------------------------------------------------------------
encode v0 320x180 120 mpegts "$OUT/clear"
encode v1 192x108 50 mpegts "$OUT/clear"
write_master "$OUT/clear" "v0 320x180" "v1 192x108"

# --- aes: the clear segments encrypted at rest --------------------------------------------
step "encrypt $OUT/aes (explicit IV, sequence-number IV, key rotation)"
unhex() { printf '%b' "$(printf '%s' "$1" | sed 's/../\\x&/g')"; }
unhex "$KEY1" >"$OUT/aes/key.bin"
unhex "$KEY2" >"$OUT/aes/key2.bin"

# seq_iv N: the 16-byte big-endian media sequence number, in hex.
seq_iv() { printf '%032x' "$1"; }

enc() { # KEYHEX IVHEX IN OUT
  openssl enc -aes-128-cbc -K "$1" -iv "$2" -in "$3" -out "$4"
}

# v0: one key, explicit IV for every segment.
{
  echo "#EXTM3U"
  echo "#EXT-X-VERSION:3"
  echo "#EXT-X-TARGETDURATION:$SEG"
  echo "#EXT-X-MEDIA-SEQUENCE:0"
  echo "#EXT-X-PLAYLIST-TYPE:VOD"
  echo "#EXT-X-KEY:METHOD=AES-128,URI=\"key.bin\",IV=0x$IV1"
  grep -E '^#EXTINF|^v0_' "$OUT/clear/v0.m3u8" | while read -r line; do
    if [[ $line == v0_* ]]; then
      enc "$KEY1" "$IV1" "$OUT/clear/$line" "$OUT/aes/$line"
    fi
    echo "$line"
  done
  echo "#EXT-X-ENDLIST"
} >"$OUT/aes/v0.m3u8"

# v1: IV from the media sequence number; key.bin for segments 0-1, key2.bin from segment 2.
{
  echo "#EXTM3U"
  echo "#EXT-X-VERSION:3"
  echo "#EXT-X-TARGETDURATION:$SEG"
  echo "#EXT-X-MEDIA-SEQUENCE:$AES_V1_SEQ"
  echo "#EXT-X-PLAYLIST-TYPE:VOD"
  echo "#EXT-X-KEY:METHOD=AES-128,URI=\"key.bin\""
  i=0
  grep -E '^#EXTINF|^v1_' "$OUT/clear/v1.m3u8" | while read -r line; do
    if [[ $line == v1_* ]]; then
      key=$KEY1
      if ((i >= 2)); then key=$KEY2; fi
      enc "$key" "$(seq_iv $((AES_V1_SEQ + i)))" "$OUT/clear/$line" "$OUT/aes/$line"
      i=$((i + 1))
    elif ((i == 2)); then
      echo "#EXT-X-KEY:METHOD=AES-128,URI=\"key2.bin\""
    fi
    echo "$line"
  done
  echo "#EXT-X-ENDLIST"
} >"$OUT/aes/v1.m3u8"
write_master "$OUT/aes" "v0 320x180" "v1 192x108"

# --- fmp4: one fragmented-MP4 variant -------------------------------------------------------
encode v0 320x180 120 fmp4 "$OUT/fmp4"
write_master "$OUT/fmp4" "v0 320x180"

# --- checksums --------------------------------------------------------------------------------
(cd "$OUT" && find . -type f ! -name SHA256SUMS | LC_ALL=C sort | xargs sha256sum >SHA256SUMS)
step "done: $(du -sk "$OUT" | cut -f1) KB in $OUT ($(find "$OUT" -type f | wc -l) files)"
