package playlist

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// describe renders what a MapURI call saw, compactly.
func describe(c *URIContext) string {
	s := fmt.Sprintf("%d %s %s", c.Line, c.Kind, c.URI)
	if c.SeqNo >= 0 {
		s += fmt.Sprintf(" seq=%d", c.SeqNo)
	}
	if c.Discontinuity != 0 {
		s += fmt.Sprintf(" disc=%d", c.Discontinuity)
	}
	if c.Key != nil {
		s += " key=" + c.Key.URI
		if c.Key.IV != "" {
			s += "/iv"
		}
	}
	if c.Map != nil && c.Kind != KindMap {
		s += " map=" + c.Map.URI
	}
	if b := c.ByteRange; b != nil {
		s += fmt.Sprintf(" br=%d@%d", b.Length, b.ResolvedOffset)
		if !b.HasOffset {
			s += "(implicit)"
		}
	}
	if c.HintType != "" {
		s += " hint=" + c.HintType
	}
	return s
}

// markAll prefixes every URI with "/x/" and records what it saw.
func markAll(seen *[]string) func(*URIContext) string {
	return func(c *URIContext) string {
		*seen = append(*seen, describe(c))
		return "/x/" + c.URI
	}
}

var rewriteCases = []struct {
	name string
	in   string
	opts func(seen *[]string) Options
	out  string
	seen []string
}{
	{
		name: "master: every master URI kind, CRLF kept, quoted commas and URI-like text in other attributes untouched",
		in: "#EXTM3U\r\n" +
			"#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,URI=\"skd://k1\",KEYFORMAT=\"com.apple.streamingkeydelivery\"\r\n" +
			"#EXT-X-SESSION-DATA:DATA-ID=\"com.example.t\",URI=\"t.json\"\r\n" +
			"#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"English, URI=fake.m3u8\",URI=\"en/a.m3u8\"\r\n" +
			"#EXT-X-MEDIA:TYPE=CLOSED-CAPTIONS,GROUP-ID=\"cc\",NAME=\"cc\",INSTREAM-ID=\"CC1\"\r\n" +
			"#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1,CODECS=\"avc1.4d401f,mp4a.40.2\",URI=\"v/if.m3u8\"\r\n" +
			"\r\n" +
			"#EXT-X-STREAM-INF:BANDWIDTH=2,CODECS=\"avc1,mp4a\",AUDIO=\"a\"\r\n" +
			"  v/low.m3u8?x=1 \r\n" +
			"#EXT-X-STREAM-INF:BANDWIDTH=3\r\n" +
			"# a comment between\r\n" +
			"https://cdn.example.com/hi.m3u8",
		out: "#EXTM3U\r\n" +
			"#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,URI=\"/x/skd://k1\",KEYFORMAT=\"com.apple.streamingkeydelivery\"\r\n" +
			"#EXT-X-SESSION-DATA:DATA-ID=\"com.example.t\",URI=\"/x/t.json\"\r\n" +
			"#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"English, URI=fake.m3u8\",URI=\"/x/en/a.m3u8\"\r\n" +
			"#EXT-X-MEDIA:TYPE=CLOSED-CAPTIONS,GROUP-ID=\"cc\",NAME=\"cc\",INSTREAM-ID=\"CC1\"\r\n" +
			"#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1,CODECS=\"avc1.4d401f,mp4a.40.2\",URI=\"/x/v/if.m3u8\"\r\n" +
			"\r\n" +
			"#EXT-X-STREAM-INF:BANDWIDTH=2,CODECS=\"avc1,mp4a\",AUDIO=\"a\"\r\n" +
			"  /x/v/low.m3u8?x=1 \r\n" +
			"#EXT-X-STREAM-INF:BANDWIDTH=3\r\n" +
			"# a comment between\r\n" +
			"/x/https://cdn.example.com/hi.m3u8",
		seen: []string{"2 session-key skd://k1", "3 session-data t.json", "4 media en/a.m3u8",
			"6 iframe v/if.m3u8", "9 variant v/low.m3u8?x=1", "12 variant https://cdn.example.com/hi.m3u8"},
	},
	{
		name: "media: BOM, vendor tags, DATERANGE and comments kept; EXTINF precision and titles kept",
		in: bom + "#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXT-X-VENDOR-THING:URI=\"keep.me\"\n" +
			"#EXT-X-DATERANGE:ID=\"ad\",START-DATE=\"2020-01-01T00:00:00Z\",X-ASSET-URI=\"http://ads/x.m3u8\",X-URI=\"y\"\n" +
			"#EXTINF:6.006000,Title, with comma\n#EXT-X-GAP\na.ts\n#EXT-X-CUE-OUT:30\n#EXTINF:5.5\n b.ts\t\n#EXT-X-ENDLIST\n",
		out: bom + "#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXT-X-VENDOR-THING:URI=\"keep.me\"\n" +
			"#EXT-X-DATERANGE:ID=\"ad\",START-DATE=\"2020-01-01T00:00:00Z\",X-ASSET-URI=\"http://ads/x.m3u8\",X-URI=\"y\"\n" +
			"#EXTINF:6.006000,Title, with comma\n#EXT-X-GAP\n/x/a.ts\n#EXT-X-CUE-OUT:30\n#EXTINF:5.5\n /x/b.ts\t\n#EXT-X-ENDLIST\n",
		seen: []string{"7 segment a.ts seq=0", "10 segment b.ts seq=1"},
	},
	{
		name: "key rotation: IV and no IV, METHOD=NONE clears, KEYFORMATs coexist (identity wins), keys scope maps",
		in: "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:100\n#EXT-X-TARGETDURATION:4\n" +
			"#EXT-X-KEY:METHOD=AES-128,URI=\"k1\"\n#EXTINF:4,\ns100.ts\n#EXTINF:4,\ns101.ts\n" +
			"#EXT-X-KEY:METHOD=AES-128,URI=\"k2\",IV=0x0000000000000000000000000000ABCD\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:4,\ns102.mp4\n" +
			"#EXT-X-KEY:METHOD=NONE\n#EXTINF:4,\ns103.mp4\n" +
			"#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"skd://fp\",KEYFORMAT=\"com.apple.streamingkeydelivery\"\n#EXTINF:4,\ns104.mp4\n" +
			"#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"k3\",KEYFORMAT=\"identity\"\n#EXTINF:4,\ns105.mp4\n",
		seen: []string{"4 key k1", "6 segment s100.ts seq=100 key=k1", "8 segment s101.ts seq=101 key=k1",
			"9 key k2", "10 map init.mp4 seq=102 key=k2/iv", "12 segment s102.mp4 seq=102 key=k2/iv map=init.mp4",
			"15 segment s103.mp4 seq=103 map=init.mp4", "16 key skd://fp",
			"18 segment s104.mp4 seq=104 key=skd://fp map=init.mp4", "19 key k3",
			"21 segment s105.mp4 seq=105 key=k3 map=init.mp4"},
	},
	{
		name: "multiple MAPs each kept and in force for what follows; map byte range",
		in: "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MAP:URI=\"i1.mp4\",BYTERANGE=\"720@0\"\n#EXTINF:4,\na.mp4\n" +
			"#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"i2.mp4\",BYTERANGE=\"500\"\n#EXTINF:4,\nb.mp4\n#EXTINF:4,\nc.mp4\n",
		seen: []string{"3 map i1.mp4 seq=0 br=720@0", "5 segment a.mp4 seq=0 map=i1.mp4",
			"7 map i2.mp4 seq=1 disc=1 br=500@0(implicit)", "9 segment b.mp4 seq=1 disc=1 map=i2.mp4",
			"11 segment c.mp4 seq=2 disc=1 map=i2.mp4"},
	},
	{
		name: "byte ranges: implicit offsets continue the previous sub-range of the same resource",
		in: "#EXTM3U\n#EXT-X-VERSION:4\n#EXT-X-TARGETDURATION:10\n" +
			"#EXTINF:10,\n#EXT-X-BYTERANGE:100@0\nall.ts\n#EXTINF:10,\n#EXT-X-BYTERANGE:200\nall.ts\n" +
			"#EXT-X-BYTERANGE:300\n#EXTINF:10,\nall.ts\n#EXTINF:10,\n#EXT-X-BYTERANGE:50@1000\nother.ts\n",
		seen: []string{"6 segment all.ts seq=0 br=100@0", "9 segment all.ts seq=1 br=200@100(implicit)",
			"12 segment all.ts seq=2 br=300@300(implicit)", "15 segment other.ts seq=3 br=50@1000"},
	},
	{
		name: "LL-HLS: parts belong to the next segment, part byte ranges, preload hints, rendition reports, skip",
		in: "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-VERSION:9\n#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=24\n" +
			"#EXT-X-PART-INF:PART-TARGET=1.0\n#EXT-X-MEDIA-SEQUENCE:10\n#EXT-X-SKIP:SKIPPED-SEGMENTS=5\n" +
			"#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:4,\ns15.mp4\n" +
			"#EXT-X-PART:DURATION=1,URI=\"p16.mp4\",BYTERANGE=\"100@0\"\n#EXT-X-PART:DURATION=1,URI=\"p16.mp4\",BYTERANGE=50,INDEPENDENT=YES\n" +
			"#EXTINF:2,\ns16.mp4\n#EXT-X-PART:DURATION=1,URI=\"p17a.mp4\"\n" +
			"#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"p17b.mp4\",BYTERANGE-START=10\n\n" +
			"#EXT-X-RENDITION-REPORT:URI=\"../lo/idx.m3u8\",LAST-MSN=16,LAST-PART=1\n",
		seen: []string{"8 map init.mp4 seq=15", "10 segment s15.mp4 seq=15 map=init.mp4",
			"11 part p16.mp4 seq=16 map=init.mp4 br=100@0", "12 part p16.mp4 seq=16 map=init.mp4 br=50@100(implicit)",
			"14 segment s16.mp4 seq=16 map=init.mp4", "15 part p17a.mp4 seq=17 map=init.mp4",
			"16 preload-hint p17b.mp4 seq=17 map=init.mp4 br=-1@10 hint=PART", "18 rendition-report ../lo/idx.m3u8"},
	},
	{
		name: "KeyTag drops the identity key and replaces the FairPlay one; InsertBeforeFirstSegment goes before the first key",
		in: "#EXTM3U\r\n#EXT-X-TARGETDURATION:4\r\n\r\n#EXT-X-KEY:METHOD=AES-128,URI=\"k1\"\r\n" +
			"#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"skd://x\",KEYFORMAT=\"com.apple.streamingkeydelivery\"\r\n#EXTINF:4,\r\na.ts\r\n" +
			"#EXT-X-KEY:METHOD=AES-128,URI=\"k2\"\r\n#EXTINF:4,\r\nb.ts",
		opts: func(seen *[]string) Options {
			return Options{
				MapURI: markAll(seen),
				KeyTag: func(k *Key, tag string, line int) ([]string, bool) {
					*seen = append(*seen, fmt.Sprintf("%d keytag %s %s %s", line, tag, k.Method, k.URI))
					switch {
					case k.URI == "k1":
						return nil, true
					case k.KeyFormat != "":
						return []string{"#A", "#B"}, false
					}
					return nil, false
				},
				InsertBeforeFirstSegment: []string{"#EXT-X-KEY:METHOD=AES-128,URI=\"/keys/new\""},
			}
		},
		out: "#EXTM3U\r\n#EXT-X-TARGETDURATION:4\r\n\r\n#EXT-X-KEY:METHOD=AES-128,URI=\"/keys/new\"\r\n" +
			"#A\r\n#B\r\n#EXTINF:4,\r\n/x/a.ts\r\n" +
			"#EXT-X-KEY:METHOD=AES-128,URI=\"/x/k2\"\r\n#EXTINF:4,\r\n/x/b.ts",
		seen: []string{"4 keytag EXT-X-KEY AES-128 k1", "5 keytag EXT-X-KEY SAMPLE-AES skd://x",
			"7 segment a.ts seq=0 key=k1", "8 keytag EXT-X-KEY AES-128 k2", "8 key k2", "10 segment b.ts seq=1 key=k2"},
	},
	{
		name: "InsertBeforeFirstSegment goes before a leading EXT-X-MAP, after header tags and comments",
		in:   "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n#EXT-X-INDEPENDENT-SEGMENTS\n# comment\n#EXT-X-MAP:URI=\"i.mp4\"\n#EXTINF:4,\na.mp4\n#EXT-X-MAP:URI=\"j.mp4\"\n#EXTINF:4,\nb.mp4",
		opts: func(*[]string) Options { return Options{InsertBeforeFirstSegment: []string{"#K1", "#K2"}} },
		out:  "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n#EXT-X-INDEPENDENT-SEGMENTS\n# comment\n#K1\n#K2\n#EXT-X-MAP:URI=\"i.mp4\"\n#EXTINF:4,\na.mp4\n#EXT-X-MAP:URI=\"j.mp4\"\n#EXTINF:4,\nb.mp4",
	},
	{
		name: "InsertBeforeFirstSegment goes before the first EXTINF and never into a master playlist",
		in:   "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\na.ts\n",
		opts: func(*[]string) Options { return Options{InsertBeforeFirstSegment: []string{"#K"}} },
		out:  "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#K\n#EXTINF:4,\na.ts\n",
	},
	{
		name: "InsertBeforeFirstSegment is ignored for a master playlist",
		in:   "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n",
		opts: func(*[]string) Options { return Options{InsertBeforeFirstSegment: []string{"#K"}} },
		out:  "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n",
	},
	{
		name: "unquoted URI attribute is still rewritten; a KEY tag's IV with a comma-free unquoted value stays",
		in:   "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-KEY:METHOD=AES-128,URI=k.bin,IV=0x01\n#EXTINF:4\na.ts",
		out:  "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-KEY:METHOD=AES-128,URI=/x/k.bin,IV=0x01\n#EXTINF:4\n/x/a.ts",
		seen: []string{"3 key k.bin", "5 segment a.ts seq=0 key=k.bin/iv"},
	},
	{
		name: "header EXT-X-KEY and EXT-X-MAP before EXT-X-MEDIA-SEQUENCE: numbering still starts at the sequence",
		in:   "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-KEY:METHOD=AES-128,URI=\"k\",IV=0x1\n#EXT-X-MAP:URI=\"i.mp4\"\n#EXT-X-MEDIA-SEQUENCE:9\n#EXTINF:4,\na.mp4\n",
		seen: []string{"3 key k", "4 map i.mp4 seq=0 key=k/iv", "7 segment a.mp4 seq=9 key=k/iv map=i.mp4"},
	},
	{
		name: "discontinuity sequence counts from EXT-X-DISCONTINUITY-SEQUENCE",
		in:   "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-DISCONTINUITY-SEQUENCE:7\n#EXTINF:4,\na.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:4,\nb.ts\n",
		seen: []string{"5 segment a.ts seq=0 disc=7", "8 segment b.ts seq=1 disc=8"},
	},
}

func TestRewriteCases(t *testing.T) {
	for _, tc := range rewriteCases {
		t.Run(tc.name, func(t *testing.T) {
			var seen []string
			o := Options{MapURI: markAll(&seen)}
			if tc.opts != nil {
				o = tc.opts(&seen)
			}
			out, _, err := Rewrite([]byte(tc.in), o)
			if err != nil {
				t.Fatal(err)
			}
			if tc.out != "" && string(out) != tc.out {
				t.Errorf("output\n got %q\nwant %q", out, tc.out)
			}
			if tc.seen != nil && strings.Join(seen, "\n") != strings.Join(tc.seen, "\n") {
				t.Errorf("MapURI/KeyTag calls\n got:\n%s\nwant:\n%s", strings.Join(seen, "\n"), strings.Join(tc.seen, "\n"))
			}
			id, _, err := Rewrite([]byte(tc.in), Options{MapURI: func(c *URIContext) string { return c.URI }})
			if err != nil || string(id) != tc.in {
				t.Errorf("identity rewrite is not byte-exact (err %v)", err)
			}
			if tc.opts != nil {
				return
			}
			var seen2 []string
			mark := markAll(&seen2)
			out2, _, err := Rewrite([]byte(tc.in), Options{AppendURI: func(dst []byte, c *URIContext) []byte {
				return append(dst, mark(c)...)
			}})
			if err != nil || string(out2) != string(out) {
				t.Errorf("AppendURI output differs from MapURI output (err %v):\n%q", err, out2)
			}
		})
	}
}

func TestInfoSummarizesThePlaylist(t *testing.T) {
	in := "#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:6.5\n#EXT-X-MEDIA-SEQUENCE:42\n#EXT-X-PLAYLIST-TYPE:VOD\n" +
		"#EXT-X-KEY:METHOD=AES-128,URI=\"k\",IV=0x1\n#EXT-X-MAP:URI=\"i.mp4\"\n#EXTINF:6,\n#EXT-X-BYTERANGE:10@0\na.mp4\n" +
		"#EXT-X-KEY:METHOD=NONE\n#EXTINF:6,\nb.mp4\n#EXT-X-ENDLIST\n"
	info, err := Analyze([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%s v%d td=%g seq=%d %s end=%v segs=%d br=%v map=%v keys=%v enc=%v", info.Type, info.Version,
		info.TargetDuration, info.MediaSequence, info.PlaylistType, info.Endlist, info.Segments, info.HasByteRange,
		info.HasMap, info.Keys, info.Encrypted())
	want := "media v6 td=6.5 seq=42 VOD end=true segs=2 br=true map=true keys=[{AES-128 k 0x1  } {NONE    }] enc=true"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestRewriteRefusesMalformedInput(t *testing.T) {
	const h = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n"
	cases := map[string]string{
		"empty":                           "",
		"only comments":                   "# hello\n",
		"tag before EXTM3U":               "#EXT-X-VERSION:3\n#EXTM3U\n",
		"URI before EXTM3U":               "a.ts\n#EXTM3U\n",
		"binary garbage":                  "\x00\x01\x02GET / HTTP/1.1",
		"invalid UTF-8":                   h + "#EXTINF:4,\n\xff.ts\n",
		"lone CR inside a line":           h + "#EXTINF:4,\na.ts\rb.ts\n",
		"NUL":                             h + "#EXTINF:4,\na\x00.ts\n",
		"master and media tags mixed":     h + "#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n",
		"URI line without EXTINF":         h + "a.ts\n",
		"URI line without STREAM-INF":     "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\nw.m3u8\n",
		"STREAM-INF twice":                "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n#EXT-X-STREAM-INF:BANDWIDTH=2\nv.m3u8\n",
		"EXTINF not a number":             h + "#EXTINF:abc,\na.ts\n",
		"negative EXTINF":                 h + "#EXTINF:-1,\na.ts\n",
		"MEDIA-SEQUENCE after a segment":  h + "#EXTINF:4,\na.ts\n#EXT-X-MEDIA-SEQUENCE:3\n",
		"MEDIA-SEQUENCE overflow":         h + "#EXT-X-MEDIA-SEQUENCE:99999999999999999999\n",
		"sequence number overflow":        h + "#EXT-X-MEDIA-SEQUENCE:9223372036854775807\n#EXTINF:4,\na.ts\n#EXTINF:4,\nb.ts\n",
		"SKIP overflow":                   h + "#EXT-X-MEDIA-SEQUENCE:9223372036854775807\n#EXT-X-SKIP:SKIPPED-SEGMENTS=1\n",
		"two BYTERANGEs for one segment":  h + "#EXT-X-BYTERANGE:1@0\n#EXT-X-BYTERANGE:1@1\n#EXTINF:4,\na.ts\n",
		"implicit offset, first segment":  h + "#EXT-X-BYTERANGE:10\n#EXTINF:4,\na.ts\n",
		"implicit offset, other resource": h + "#EXT-X-BYTERANGE:10@0\n#EXTINF:4,\na.ts\n#EXT-X-BYTERANGE:10\n#EXTINF:4,\nb.ts\n",
		"implicit offset after full seg":  h + "#EXTINF:4,\na.ts\n#EXT-X-BYTERANGE:10\n#EXTINF:4,\na.ts\n",
		"byte range overflow":             h + "#EXT-X-BYTERANGE:9223372036854775807@9223372036854775807\n#EXTINF:4,\na.ts\n",
		"KEY without METHOD":              h + "#EXT-X-KEY:URI=\"k\"\n",
		"KEY duplicate URI":               h + "#EXT-X-KEY:METHOD=AES-128,URI=\"a\",URI=\"b\"\n",
		"KEY unterminated quote":          h + "#EXT-X-KEY:METHOD=AES-128,URI=\"a\n",
		"KEY junk after quote":            h + "#EXT-X-KEY:METHOD=AES-128,URI=\"a\"b\n",
		"MAP without URI":                 h + "#EXT-X-MAP:BYTERANGE=\"1@0\"\n",
		"MAP bad BYTERANGE":               h + "#EXT-X-MAP:URI=\"i\",BYTERANGE=\"x\"\n",
		"PART without URI":                h + "#EXT-X-PART:DURATION=1\n",
		"SKIP without count":              h + "#EXT-X-SKIP:RECENTLY-REMOVED-DATERANGES=\"\"\n",
		"I-FRAME-STREAM-INF without URI":  "#EXTM3U\n#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1\n",
		"PRELOAD-HINT bad start":          h + "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"p\",BYTERANGE-START=x\n",
		"attribute without value":         h + "#EXT-X-MAP:URI\n",
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			out, info, err := Rewrite([]byte(in), Options{})
			if !errors.Is(err, ErrMalformed) || out != nil || info != nil {
				t.Fatalf("got err %v, out %q: want ErrMalformed and nil results", err, out)
			}
		})
	}
}

func TestRewriteRejectsReplacementsThatChangeStructure(t *testing.T) {
	in := "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-KEY:METHOD=AES-128,URI=\"k\"\n#EXT-X-MAP:URI=m\n#EXTINF:4,\na.ts\n"
	bad := []struct {
		kind URIKind
		repl string
	}{
		{KindSegment, ""}, {KindSegment, "#EXT-X-ENDLIST"}, {KindSegment, "a.ts\n#EXTINF:1,\nevil.ts"},
		{KindSegment, " a.ts"}, {KindKey, `k",URI="evil`}, {KindKey, "k\r"}, {KindMap, "m,BYTERANGE=1@0"}, {KindMap, ""},
	}
	for _, b := range bad {
		t.Run(fmt.Sprintf("%s %q", b.kind, b.repl), func(t *testing.T) {
			_, _, err := Rewrite([]byte(in), Options{MapURI: func(c *URIContext) string {
				if c.Kind == b.kind {
					return b.repl
				}
				return c.URI
			}})
			if !errors.Is(err, ErrInvalidURI) {
				t.Fatalf("got %v, want ErrInvalidURI", err)
			}
		})
	}
	_, _, err := Rewrite([]byte(in), Options{KeyTag: func(*Key, string, int) ([]string, bool) { return []string{"#A\n#B"}, false }})
	if !errors.Is(err, ErrInvalidURI) {
		t.Errorf("KeyTag line with a newline: got %v, want ErrInvalidURI", err)
	}
	_, _, err = Rewrite([]byte(in), Options{InsertBeforeFirstSegment: []string{"#A\r\n"}})
	if !errors.Is(err, ErrInvalidURI) {
		t.Errorf("inserted line with CRLF: got %v, want ErrInvalidURI", err)
	}
	_, _, err = Rewrite([]byte(in), Options{InsertBeforeFirstSegment: []string{"evil.ts"}})
	if !errors.Is(err, ErrInvalidURI) {
		t.Errorf("inserted URI line: got %v, want ErrInvalidURI", err)
	}
	_, _, err = Rewrite([]byte(in), Options{KeyTag: func(*Key, string, int) ([]string, bool) { return []string{""}, false }})
	if !errors.Is(err, ErrInvalidURI) {
		t.Errorf("KeyTag blank replacement line: got %v, want ErrInvalidURI", err)
	}
	_, _, err = Rewrite([]byte(in), Options{AppendURI: func(dst []byte, c *URIContext) []byte {
		return append(dst, c.URI+"\n#EXT-X-ENDLIST"...)
	}})
	if !errors.Is(err, ErrInvalidURI) {
		t.Errorf("AppendURI with a line break: got %v, want ErrInvalidURI", err)
	}
}
