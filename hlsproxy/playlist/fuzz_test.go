package playlist

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzRewrite: no panic; when Rewrite accepts, the identity rewrite is
// byte-exact, a marking rewrite changes nothing but the marked URIs, and
// Analyze agrees.
func FuzzRewrite(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(conformanceDir, "*.m3u8"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	for _, tc := range rewriteCases {
		f.Add([]byte(tc.in))
	}
	f.Add([]byte("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-BYTERANGE:10@0\n#EXTINF:4,\na.ts\n#EXT-X-BYTERANGE:10\n#EXTINF:4,\na.ts\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		out, info, err := Rewrite(src, Options{MapURI: func(c *URIContext) string { return c.URI }})
		_, aerr := Analyze(src)
		if (err == nil) != (aerr == nil) {
			t.Fatalf("Rewrite err %v, Analyze err %v", err, aerr)
		}
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		if !bytes.Equal(out, src) {
			t.Fatalf("identity rewrite not byte-exact:\n%q\n%q", src, out)
		}
		out, _, err = Rewrite(src, Options{AppendURI: func(dst []byte, c *URIContext) []byte { return append(dst, c.URI...) }})
		if err != nil || !bytes.Equal(out, src) {
			t.Fatalf("identity AppendURI rewrite not byte-exact (err %v):\n%q\n%q", err, src, out)
		}
		if info == nil || (info.Type != Master && info.Type != Media) {
			t.Fatalf("info %+v", info)
		}
		if bytes.Contains(src, []byte(mark)) {
			return
		}
		n := 0
		marked, _, err := Rewrite(src, Options{MapURI: func(c *URIContext) string { n++; return mark + c.URI }})
		if err != nil {
			t.Fatalf("marking rewrite failed: %v", err)
		}
		if bytes.Count(marked, []byte(mark)) != n || !bytes.Equal(bytes.ReplaceAll(marked, []byte(mark), nil), src) {
			t.Fatalf("marking rewrite changed more than the %d URIs:\n%q\n%q", n, src, marked)
		}
		if _, _, err := Rewrite(marked, Options{}); err != nil {
			t.Fatalf("marked output is refused: %v\n%q", err, marked)
		}
	})
}

// FuzzLowLatencyDrops: dropping parts and server-control attributes keeps
// an accepted playlist accepted, with the same segments and numbering and
// no part left; dropping nothing is the identity.
func FuzzLowLatencyDrops(f *testing.F) {
	for _, tc := range rewriteCases {
		f.Add([]byte(tc.in))
	}
	f.Add([]byte(llhls))
	f.Fuzz(func(t *testing.T, src []byte) {
		info, err := Analyze(src)
		if err != nil || info.Segments == 0 {
			return // a playlist of nothing but parts has nothing left to be
		}
		out, _, err := Rewrite(src, Options{DropParts: true, DropServerControl: []string{"CAN-BLOCK-RELOAD", "CAN-SKIP-UNTIL", "PART-HOLD-BACK"}})
		if err != nil {
			t.Fatalf("drops refused an accepted playlist: %v", err)
		}
		got, err := Analyze(out)
		if err != nil {
			t.Fatalf("the output is refused: %v\n%q", err, out)
		}
		if got.Segments != info.Segments || got.MediaSequence != info.MediaSequence || got.DiscontinuitySequence != info.DiscontinuitySequence ||
			got.Parts != 0 || got.PartTarget != 0 || got.CanBlockReload || got.CanSkipUntil != 0 {
			t.Fatalf("in %+v\nout %+v\n%q", info, got, out)
		}
		same, _, err := Rewrite(src, Options{DropServerControl: []string{"X-NONE"}})
		if err != nil || !bytes.Equal(same, src) {
			t.Fatalf("dropping an absent attribute changed the playlist: %v", err)
		}
	})
}
