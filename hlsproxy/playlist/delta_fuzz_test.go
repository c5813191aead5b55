package playlist

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzDelta: no panic; a delta either is the input unchanged (with a
// reason) or re-expands to it (checkExpands), for YES and for v2 with and
// without a history.
func FuzzDelta(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(conformanceDir, "*.m3u8"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add(live(7, 20, nil))
	f.Add(live(0, 20, func(b *strings.Builder, s int) {
		if s == 0 {
			b.WriteString("#EXT-X-KEY:METHOD=AES-128,URI=\"k.key\"\n#EXT-X-MAP:URI=\"i.mp4\",BYTERANGE=\"10@0\"\n")
		}
		if s%5 == 1 {
			b.WriteString("#EXT-X-BYTERANGE:10@0\n#EXT-X-DISCONTINUITY\n")
		}
	}))
	full, _, _ := dateRanged()
	f.Add(full)
	f.Fuzz(func(t *testing.T, src []byte) {
		now := time.Date(2026, 1, 1, 0, 1, 0, 0, time.UTC)
		hist := &DateRangeHistory{Since: now.Add(-time.Hour), Added: map[DateRange]time.Time{},
			Removed: []RemovedDateRange{{ID: "x", At: now}}}
		if info, err := Analyze(src); err == nil {
			for i, dr := range info.DateRanges {
				hist.Added[dr] = now.Add(-time.Duration(i%3) * 30 * time.Second)
			}
		}
		for _, r := range []DeltaRequest{{Skip: SkipSegments}, {Skip: SkipDateRanges}, {Skip: SkipDateRanges, History: hist, Now: now}} {
			out, res := Delta(src, r)
			if res.Skipped == 0 {
				if !bytes.Equal(out, src) || res.Reason == "" {
					t.Fatalf("%+v: no skip but the playlist changed or no reason", res)
				}
				continue
			}
			checkExpands(t, src, out, res)
		}
	})
}
