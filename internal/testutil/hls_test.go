package testutil

import (
	"bytes"
	"reflect"
	"testing"
)

func TestParseAttrsKeepsCommasInsideQuotes(t *testing.T) {
	got := ParseAttrs(`BANDWIDTH=194048,CODECS="avc1.42c01e,mp4a.40.2", RESOLUTION=320x180,URI="a=b,c.m3u8"`)
	want := map[string]string{"BANDWIDTH": "194048", "CODECS": "avc1.42c01e,mp4a.40.2",
		"RESOLUTION": "320x180", "URI": "a=b,c.m3u8"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseAttrs = %q, want %q", got, want)
	}
	if got := ParseAttrs(`URI="unterminated, still the value`); got["URI"] != "unterminated, still the value" {
		t.Errorf("an unterminated quote: URI=%q", got["URI"])
	}
	if got := ParseAttrs(""); len(got) != 0 {
		t.Errorf("an empty list: %q", got)
	}
}

// media is a media playlist with CRLF line ends, an explicit IV in both
// spellings, the sequence-number IV, key rotation and an EXT-X-MAP.
const media = "#EXTM3U\r\n#EXT-X-MEDIA-SEQUENCE:7\r\n" +
	"#EXT-X-KEY:METHOD=AES-128,URI=\"k1?a=1,b=2\",IV=0x000102030405060708090A0B0C0D0E0F\r\n" +
	"#EXT-X-MAP:URI=\"init.mp4\"\r\n#EXTINF:2,\r\ns0.m4s\r\n" +
	"#EXT-X-KEY:METHOD=AES-128,URI=\"k2\",IV=0X0F0E0D0C0B0A09080706050403020100\r\n#EXTINF:2,\r\ns1.m4s\r\n" +
	"#EXT-X-KEY:METHOD=AES-128,URI=\"k3\"\r\n#EXTINF:2,\r\n  s2.m4s  \r\n" +
	"#EXT-X-KEY:METHOD=NONE\r\n#EXTINF:2,\r\n\r\ns3.m4s\r\n#EXT-X-ENDLIST\r\n"

func TestMediaSegmentsFollowKeysSequenceAndInitMap(t *testing.T) {
	segs, err := MediaSegments([]byte(media))
	if err != nil {
		t.Fatal(err)
	}
	iv1 := []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
	iv2 := []byte{15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0}
	want := []Segment{
		{URI: "init.mp4", Line: 4, Method: "AES-128", KeyURI: "k1?a=1,b=2", IV: iv1, InitMap: true},
		{URI: "s0.m4s", Line: 6, Seq: 7, Method: "AES-128", KeyURI: "k1?a=1,b=2", IV: iv1},
		{URI: "s1.m4s", Line: 9, Seq: 8, Method: "AES-128", KeyURI: "k2", IV: iv2},
		{URI: "s2.m4s", Line: 12, Seq: 9, Method: "AES-128", KeyURI: "k3"},
		{URI: "s3.m4s", Line: 16, Seq: 10, Method: "NONE"},
	}
	if !reflect.DeepEqual(segs, want) {
		t.Fatalf("MediaSegments =\n%+v\nwant\n%+v", segs, want)
	}
	if got := segs[1].DecryptIV(); !bytes.Equal(got, iv1) {
		t.Errorf("explicit IV: DecryptIV = %x", got)
	}
	if got, want := segs[3].DecryptIV(), SequenceIV(9); !bytes.Equal(got, want) {
		t.Errorf("sequence IV: DecryptIV = %x, want %x", got, want)
	}
}

func TestMediaSegmentsRefuseABadSequenceOrIV(t *testing.T) {
	for _, tc := range []struct{ name, playlist, want string }{
		{"sequence", "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:x\n", `line 2: "#EXT-X-MEDIA-SEQUENCE:x": strconv.ParseUint: parsing "x": invalid syntax`},
		{"short IV", "#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"k\",IV=0x0102\n", `line 2: bad IV "0x0102"`},
		{"not hex", "#EXT-X-KEY:METHOD=AES-128,IV=0xZZ0102030405060708090A0B0C0D0E0F\n", `line 1: bad IV "0xZZ0102030405060708090A0B0C0D0E0F"`},
	} {
		if _, err := MediaSegments([]byte(tc.playlist)); err == nil || err.Error() != tc.want {
			t.Errorf("%s: error %v, want %s", tc.name, err, tc.want)
		}
	}
}

func TestPlaylistURIsListLinesAndAttributes(t *testing.T) {
	master := "#EXTM3U\r\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"en, main\",URI=\"audio/en.m3u8\"\r\n" +
		"#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS=\"avc1,mp4a\",AUDIO=\"a\"\r\nv0.m3u8?x=1\r\n" +
		"#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1,URI=\"iframes.m3u8\"\r\n#EXT-X-STREAM-INF:BANDWIDTH=2\r\n/abs/v1.m3u8\r\n"
	if got, want := PlaylistURIs([]byte(master)), []string{"audio/en.m3u8", "v0.m3u8?x=1", "iframes.m3u8", "/abs/v1.m3u8"}; !reflect.DeepEqual(got, want) {
		t.Errorf("PlaylistURIs = %q, want %q", got, want)
	}
	if got, want := URILines([]byte(master)), []string{"v0.m3u8?x=1", "/abs/v1.m3u8"}; !reflect.DeepEqual(got, want) {
		t.Errorf("URILines = %q, want %q", got, want)
	}
	if got, want := PlaylistURIs([]byte(media))[:3], []string{"k1?a=1,b=2", "init.mp4", "s0.m4s"}; !reflect.DeepEqual(got, want) {
		t.Errorf("PlaylistURIs of the media playlist start %q, want %q", got, want)
	}
}

func TestResolveURIAgainstThePlaylist(t *testing.T) {
	for _, tc := range []struct{ base, ref, want string }{
		{"https://h/hls/a/master.m3u8?__token__=t", "v0.m3u8?mgctx=x", "https://h/hls/a/v0.m3u8?mgctx=x"},
		{"https://h/hls/a/v0.m3u8", "../../keys/a/k", "https://h/keys/a/k"},
		{"https://h/hls/a/v0.m3u8", "https://other/s.ts", "https://other/s.ts"},
	} {
		u, err := ResolveURI(tc.base, tc.ref)
		if err != nil || u.String() != tc.want {
			t.Errorf("ResolveURI(%q, %q) = %v, %v; want %s", tc.base, tc.ref, u, err, tc.want)
		}
	}
	if _, err := ResolveURI("https://h/a.m3u8", "%zz"); err == nil {
		t.Error("a malformed URI resolves")
	}
}
