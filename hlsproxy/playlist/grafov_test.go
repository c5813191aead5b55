package playlist

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/grafov/m3u8"
)

func TestDecodeGivesGrafovsModelWhereGrafovAlonePanics(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(conformanceDir, "encrypted.m3u8"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := safeDecode(src); err == nil {
		t.Log("grafov no longer panics on a blank line after EXT-X-KEY; Decode's blank-line removal may be unnecessary")
	}
	pl, lt, err := Decode(src)
	if err != nil || lt != m3u8.MEDIA {
		t.Fatalf("Decode: %v, %v", lt, err)
	}
	media := pl.(*m3u8.MediaPlaylist)
	if media.Count() != 6 || media.SeqNo != 7794 || media.Segments[0].Key == nil || media.Segments[0].Key.URI != "https://priv.example.com/key.php?r=52" {
		t.Errorf("model: %d segments from %d, first key %+v", media.Count(), media.SeqNo, media.Segments[0].Key)
	}
}

func TestDecodeRefusesWhatAnalyzeRefuses(t *testing.T) {
	for _, in := range []string{"", "#EXTM3U\n", "#EXTM3U\n#EXT-X-TARGETDURATION:4\nno-extinf.ts\n"} {
		if _, _, err := Decode([]byte(in)); !errors.Is(err, ErrMalformed) {
			t.Errorf("Decode(%q) = %v, want ErrMalformed", in, err)
		}
	}
}
