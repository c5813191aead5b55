package objcache

import (
	"net/http"
	"strconv"

	"github.com/maypok86/otter/v2"
)

// Lengths remembers one number per object version (the plaintext length
// of a segment encrypted at rest), so it is learnt from the origin once per
// version, not once per request. Bounded by entries.
type Lengths struct {
	c *otter.Cache[string, int64]
}

// NewLengths returns a table of at most n entries.
func NewLengths(n int) *Lengths {
	return &Lengths{c: otter.Must(&otter.Options[string, int64]{MaximumSize: n})}
}

// Version names an object version from an origin answer: its key, entity
// tag, Last-Modified and full length. It is "" when the answer has neither
// validator (nothing then tells two versions of that length apart).
func Version(key string, h http.Header, length int64) string {
	et, lm := h.Get("ETag"), h.Get("Last-Modified")
	if et == "" && lm == "" {
		return ""
	}
	return key + "\x00" + et + "\x00" + lm + "\x00" + strconv.FormatInt(length, 10)
}

// Get returns the number kept for version.
func (l *Lengths) Get(version string) (int64, bool) {
	if version == "" {
		return 0, false
	}
	return l.c.GetIfPresent(version)
}

// Put keeps n for version.
func (l *Lengths) Put(version string, n int64) {
	if version != "" {
		l.c.Set(version, n)
	}
}
