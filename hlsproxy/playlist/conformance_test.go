package playlist

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/grafov/m3u8"
	"github.com/mediagate/caddy-mediagate/internal/grafovref"
)

// conformanceDir holds the shared real-world playlists: shared/ sits beside
// the repository (../../../shared from this package); MEDIAGATE_CONFORMANCE
// points elsewhere.
var conformanceDir = func() string {
	if d := os.Getenv("MEDIAGATE_CONFORMANCE"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "..", "shared", "conformance", "playlists", "videojs-m3u8-parser")
}()

// refused lists the conformance playlists Rewrite must refuse, and why.
var refused = map[string]string{
	"empty.m3u8":                      "empty file: no #EXTM3U",
	"headerOnly.m3u8":                 "only #EXTM3U: neither master nor media",
	"manifestNoExtM3u.m3u8":           "no #EXTM3U (hls.js, ffmpeg and AVPlayer refuse it too)",
	"start.m3u8":                      "no #EXTM3U",
	"emptyTargetDuration.m3u8":        "mixes EXT-X-TARGETDURATION (media) with EXT-X-STREAM-INF (master); grafov's strict and lenient decoders disagree on its type",
	"emptyMediaSequence.m3u8":         "EXT-X-MEDIA-SEQUENCE empty: sequence numbers (and implicit IVs) unknown",
	"invalidMediaSequence.m3u8":       "EXT-X-MEDIA-SEQUENCE:gobblegobble",
	"negativeMediaSequence.m3u8":      "EXT-X-MEDIA-SEQUENCE:-11 is not a decimal-integer",
	"twoMediaSequences.m3u8":          "two EXT-X-MEDIA-SEQUENCE tags: readers take the first or the last",
	"extinf.m3u8":                     "EXTINF duration ';asljasdfii11)))00': hls.js drops that segment, grafov keeps it, so later sequence numbers are ambiguous",
	"missingExtinf.m3u8":              "URI line without EXTINF: hls.js ignores it, video.js plays it",
	"missingSegmentDuration.m3u8":     "URI lines without EXTINF",
	"liveMissingSegmentDuration.m3u8": "URI lines without EXTINF",
	"multipleTargetDurations.m3u8":    "URI lines without EXTINF",
	"byteRange.m3u8":                  "implicit EXT-X-BYTERANGE offset for a different resource than the previous segment (RFC 8216 §4.3.2.2: clients MUST fail)",
	"llhls-byte-range.m3u8":           "EXT-X-BYTERANGE:587500@ has an empty offset",
	"llhls-delta-byte-range.m3u8":     "EXT-X-PART BYTERANGE without offset and no previous partial segment of that resource",
}

// mark is prepended to every URI by the marking MapURI; no fixture has it.
const mark = "MARK~"

func conformanceFiles(t testing.TB) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(conformanceDir, "*.m3u8"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no conformance playlists in %s (err %v)", conformanceDir, err)
	}
	m := make(map[string][]byte, len(files))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m[filepath.Base(f)] = b
	}
	return m
}

// uriTags maps the tags whose URI attribute is rewritten to their kind.
var uriTags = map[string]URIKind{
	"EXT-X-KEY": KindKey, "EXT-X-SESSION-KEY": KindSessionKey, "EXT-X-MAP": KindMap,
	"EXT-X-MEDIA": KindMedia, "EXT-X-I-FRAME-STREAM-INF": KindIFrame, "EXT-X-PART": KindPart,
	"EXT-X-PRELOAD-HINT": KindPreloadHint, "EXT-X-RENDITION-REPORT": KindRenditionReport,
	"EXT-X-SESSION-DATA": KindSessionData,
}

// expectedURIs is an independent, deliberately simple second scan: per
// line, a non-comment non-blank line is a URI line (variant in a playlist
// with EXT-X-STREAM-INF, else segment); a listed tag contributes the quoted
// value after `URI="` when that follows ':' or ','. It returns the count per
// kind and, per 1-based line, the URI that line should carry.
func expectedURIs(src string) (map[URIKind]int, map[int]string) {
	counts, lines := map[URIKind]int{}, map[int]string{}
	uriLineKind := KindSegment
	if strings.Contains(src, "#EXT-X-STREAM-INF") {
		uriLineKind = KindVariant
	}
	for n, l := range strings.Split(src, "\n") {
		l = strings.TrimSpace(strings.TrimPrefix(l, bom))
		switch {
		case l == "":
		case !strings.HasPrefix(l, "#"):
			counts[uriLineKind]++
			lines[n+1] = l
		default:
			name, attrs, _ := strings.Cut(l[1:], ":")
			kind, ok := uriTags[name]
			if !ok {
				continue
			}
			for _, pre := range []string{`:URI="`, `,URI="`, `, URI="`} {
				if i := strings.Index(":"+attrs, pre); i >= 0 {
					v := (":" + attrs)[i+len(pre):]
					v = v[:strings.IndexByte(v, '"')]
					counts[kind]++
					lines[n+1] = v
					break
				}
			}
		}
	}
	return counts, lines
}

func TestConformanceIdentityIsByteExactAndRefusalsAreTheListedOnes(t *testing.T) {
	files := conformanceFiles(t)
	for name := range refused {
		if _, ok := files[name]; !ok {
			t.Errorf("refused table lists %s, which is not in the corpus", name)
		}
	}
	for name, src := range files {
		t.Run(name, func(t *testing.T) {
			out, info, err := Rewrite(src, Options{MapURI: func(c *URIContext) string { return c.URI }})
			why, mustRefuse := refused[name]
			switch {
			case mustRefuse && err == nil:
				t.Fatalf("accepted, but must be refused: %s", why)
			case mustRefuse:
				if !errors.Is(err, ErrMalformed) || out != nil || info != nil {
					t.Fatalf("refusal %v (out %d bytes) does not wrap ErrMalformed with nil results", err, len(out))
				}
				if _, aerr := Analyze(src); aerr == nil {
					t.Fatal("Analyze accepts what Rewrite refuses")
				}
				return
			case err != nil:
				t.Fatalf("refused: %v", err)
			}
			if !bytes.Equal(out, src) {
				t.Fatalf("identity rewrite changed the bytes:\n%q\n%q", src, out)
			}
			out, _, err = Rewrite(src, Options{AppendURI: func(dst []byte, c *URIContext) []byte { return append(dst, c.URI...) }})
			if err != nil || !bytes.Equal(out, src) {
				t.Fatalf("identity AppendURI rewrite changed the bytes (err %v):\n%q", err, out)
			}
			a, err := Analyze(src)
			if err != nil || a.Segments != info.Segments || a.Variants != info.Variants || a.Type != info.Type {
				t.Fatalf("Analyze %+v, %v disagrees with Rewrite %+v", a, err, info)
			}
		})
	}
}

func TestConformanceMarkingChangesExactlyTheExpectedURIs(t *testing.T) {
	for name, src := range conformanceFiles(t) {
		if _, ok := refused[name]; ok {
			continue
		}
		t.Run(name, func(t *testing.T) {
			if bytes.Contains(src, []byte(mark)) {
				t.Fatalf("fixture contains the mark %q", mark)
			}
			got := map[URIKind]int{}
			out, info, err := Rewrite(src, Options{MapURI: func(c *URIContext) string {
				got[c.Kind]++
				return mark + c.URI
			}})
			if err != nil {
				t.Fatal(err)
			}
			want, wantLines := expectedURIs(string(src))
			for k := KindVariant; k <= KindSessionData; k++ {
				if got[k] != want[k] {
					t.Errorf("%s URIs: MapURI saw %d, independent scan expects %d", k, got[k], want[k])
				}
			}
			if back := bytes.ReplaceAll(out, []byte(mark), nil); !bytes.Equal(back, src) {
				t.Fatalf("removing the marks does not give the input back:\n%s", out)
			}
			inLines, outLines := strings.Split(string(src), "\n"), strings.Split(string(out), "\n")
			for i := range inLines {
				uri, expected := wantLines[i+1]
				changed := inLines[i] != outLines[i]
				if changed != expected {
					t.Errorf("line %d changed=%v, expected URI %q: %q -> %q", i+1, changed, uri, inLines[i], outLines[i])
				} else if changed && !strings.Contains(outLines[i], mark+uri) {
					t.Errorf("line %d: mark not in front of %q: %q", i+1, uri, outLines[i])
				}
			}
			crossCheckGrafov(t, src, info)
		})
	}
}

// crossCheckGrafov compares counts with grafov's model where grafov can
// decode the file itself, and always with decode's (blank lines removed).
func crossCheckGrafov(t *testing.T, src []byte, info *Info) {
	t.Helper()
	pl, lt, err := decode(src)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if raw, _, rerr := grafovref.DecodeRaw(src); rerr != nil {
		t.Logf("grafov alone fails (%v); compared with decode's model", rerr)
	} else {
		pl = raw
	}
	switch v := pl.(type) {
	case *m3u8.MediaPlaylist:
		if lt != m3u8.MEDIA || info.Type != Media {
			t.Fatalf("type: grafov %v, ours %s", lt, info.Type)
		}
		n := 0
		for _, s := range v.Segments {
			if s != nil {
				n++
			}
		}
		if n != info.Segments || v.SeqNo != uint64(info.MediaSequence) {
			t.Errorf("grafov: %d segments from %d, ours %d from %d", n, v.SeqNo, info.Segments, info.MediaSequence)
		}
	case *m3u8.MasterPlaylist:
		if lt != m3u8.MASTER || info.Type != Master {
			t.Fatalf("type: grafov %v, ours %s", lt, info.Type)
		}
		n := 0
		for _, va := range v.Variants {
			if !va.Iframe {
				n++
			}
		}
		if n != info.Variants {
			t.Errorf("grafov: %d variants, ours %d", n, info.Variants)
		}
	default:
		t.Fatalf("grafov model %T", pl)
	}
}
