package playlist

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/grafov/m3u8"
	"github.com/mediagate/caddy-mediagate/internal/grafovref"
)

// decode is grafov's model of a playlist this package accepts: Analyze
// first, then grafovref.Decode (grafov is the tests' reference reader, not
// part of the package).
func decode(src []byte) (m3u8.Playlist, m3u8.ListType, error) {
	if _, err := Analyze(src); err != nil {
		return nil, 0, err
	}
	pl, lt, err := grafovref.Decode(src)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return pl, lt, nil
}

func TestGrafovReadsWhatWeAcceptEvenWhereGrafovAlonePanics(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(conformanceDir, "encrypted.m3u8"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := grafovref.DecodeRaw(src); err == nil {
		t.Log("grafov no longer panics on a blank line after EXT-X-KEY; Decode's blank-line removal may be unnecessary")
	}
	pl, lt, err := decode(src)
	if err != nil || lt != m3u8.MEDIA {
		t.Fatalf("decode: %v, %v", lt, err)
	}
	media := pl.(*m3u8.MediaPlaylist)
	if media.Count() != 6 || media.SeqNo != 7794 || media.Segments[0].Key == nil || media.Segments[0].Key.URI != "https://priv.example.com/key.php?r=52" {
		t.Errorf("model: %d segments from %d, first key %+v", media.Count(), media.SeqNo, media.Segments[0].Key)
	}
}

func TestGrafovModelIsOnlyOfPlaylistsAnalyzeAccepts(t *testing.T) {
	for _, in := range []string{"", "#EXTM3U\n", "#EXTM3U\n#EXT-X-TARGETDURATION:4\nno-extinf.ts\n"} {
		if _, _, err := decode([]byte(in)); !errors.Is(err, ErrMalformed) {
			t.Errorf("decode(%q) = %v, want ErrMalformed", in, err)
		}
	}
}
