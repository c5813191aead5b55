package playlist

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Playlist Delta Updates (RFC 8216bis §6.2.5.1, §4.4.5.2) built by a proxy
// from the full media playlist it read, for an origin that cannot build
// them (a stored object). Delta works on the origin's bytes, before any
// rewrite: its output is rewritten like a full playlist, so every URI it
// keeps goes through the same mapping, and every line it keeps is copied.

// Values of the _HLS_skip delivery directive.
const (
	SkipSegments   = "YES" // skip old segments
	SkipDateRanges = "v2"  // skip old segments and old EXT-X-DATERANGE tags
)

// deltaTries bounds how many boundaries Delta tries, each one segment
// earlier than the last, when the first retained segment cannot start a
// delta (an EXT-X-BYTERANGE without offset continues a skipped segment).
const deltaTries = 4

// DateRangeHistory is what the caller remembers of a playlist's earlier
// versions, for _HLS_skip=v2: from Since on, it saw every version.
type DateRangeHistory struct {
	Since   time.Time
	Added   map[DateRange]time.Time // when each tag of the current version was first seen
	Removed []RemovedDateRange      // IDs the playlist no longer has, oldest removal first
}

// RemovedDateRange is an EXT-X-DATERANGE ID that left the playlist at At.
type RemovedDateRange struct {
	ID string
	At time.Time
}

// DeltaRequest is a _HLS_skip request: Skip is SkipSegments or
// SkipDateRanges, History what the caller followed (nil: nothing), Now the
// request's time.
type DeltaRequest struct {
	Skip    string
	History *DateRangeHistory
	Now     time.Time
}

// DeltaResult says what Delta did: Skipped segments replaced by EXT-X-SKIP
// (0: the full playlist, for Reason), DateRanges true when old
// EXT-X-DATERANGE tags were skipped too.
type DeltaResult struct {
	Skipped    int
	DateRanges bool
	Reason     string
}

// Delta returns the Playlist Delta Update of the full media playlist src
// for r, or src itself when the playlist cannot honour the request: not a
// live media playlist with CAN-SKIP-UNTIL (RFC 8216bis: the directive is
// then ignored), already a delta, or no segment far enough from the end.
// It replaces the segments that end more than the Skip Boundary
// (CAN-SKIP-UNTIL, at least six target durations) before the end of the
// last segment, with their Media Segment Tags, by one EXT-X-SKIP; it
// repeats after it the EXT-X-KEY, EXT-X-MAP and EXT-X-BITRATE lines in
// force for the first retained segment, so every retained segment reads
// with the keys, map and numbering it has in src. Playlist tags and (for
// YES) EXT-X-DATERANGE tags of the skipped span stay. For v2 with
// CAN-SKIP-DATERANGES=YES it also leaves out the EXT-X-DATERANGE tags
// added more than CAN-SKIP-UNTIL ago and lists in RECENTLY-REMOVED-DATERANGES
// the IDs removed since then, which requires a History of at least
// CAN-SKIP-UNTIL (else the full playlist); without CAN-SKIP-DATERANGES, v2
// is answered as YES. EXT-X-VERSION is raised to 9 (10 when date ranges
// are skipped) as RFC 8216bis §8 requires.
func Delta(src []byte, r DeltaRequest) ([]byte, DeltaResult) {
	info, err := Analyze(src)
	switch {
	case err != nil:
		return src, DeltaResult{Reason: "malformed playlist"}
	case info.Type != Media || info.Endlist || info.PlaylistType == "VOD":
		return src, DeltaResult{Reason: "not a live media playlist"}
	case info.CanSkipUntil <= 0:
		return src, DeltaResult{Reason: "no CAN-SKIP-UNTIL"}
	case info.Skipped:
		return src, DeltaResult{Reason: "already a delta update"}
	}
	d := &delta{info: info, boundary: max(info.CanSkipUntil, 6*info.TargetDuration)}
	if r.Skip == SkipDateRanges && info.CanSkipDateRanges {
		if h := r.History; h == nil || r.Now.Sub(h.Since).Seconds() < info.CanSkipUntil {
			return src, DeltaResult{Reason: "date ranges not followed for CAN-SKIP-UNTIL yet"}
		}
		d.history, d.now = r.History, r.Now
	}
	d.split(string(src))
	for k, try := d.skippable(), 0; k > 0 && try < deltaTries; k, try = k-1, try+1 {
		out, ok := d.build(k)
		if !ok {
			return src, DeltaResult{Reason: "a removed date range ID cannot be listed"}
		}
		if got, err := Analyze(out); err == nil && got.NextSequence == info.NextSequence && got.Segments == info.Segments-k {
			return out, DeltaResult{Skipped: k, DateRanges: d.history != nil}
		}
	}
	return src, DeltaResult{Reason: "no segment before the skip boundary can be skipped"}
}

// dline is one line of the playlist.
type dline struct {
	text string // without its line ending
	name string // tag name, "" for a URI line, a comment or a blank line
	uri  bool
}

// delta is the state of one Delta call.
type delta struct {
	info     *Info
	boundary float64
	history  *DateRangeHistory // nil: date ranges are not skipped
	now      time.Time
	eol      string
	endsEOL  bool // src ends with a line ending
	lines    []dline
	al       attrList
	first    int       // index of the first segment-scoped line
	uris     []int     // index of each segment's URI line
	durs     []float64 // each segment's EXTINF duration
}

// segmentScoped are the tags that start a media playlist's segment part
// (the scanner's segmentLine).
var segmentScoped = []string{"EXTINF", "EXT-X-KEY", "EXT-X-MAP", "EXT-X-BYTERANGE", "EXT-X-DISCONTINUITY",
	"EXT-X-PROGRAM-DATE-TIME", "EXT-X-GAP", "EXT-X-BITRATE", "EXT-X-PART", "EXT-X-PRELOAD-HINT"}

// playlistTags are the tags that describe the playlist wherever they are:
// they stay in a delta, before its EXT-X-SKIP.
var playlistTags = []string{"EXT-X-TARGETDURATION", "EXT-X-MEDIA-SEQUENCE", "EXT-X-DISCONTINUITY-SEQUENCE",
	"EXT-X-VERSION", "EXT-X-INDEPENDENT-SEGMENTS", "EXT-X-START", "EXT-X-DEFINE", "EXT-X-PART-INF",
	"EXT-X-SERVER-CONTROL", "EXT-X-PLAYLIST-TYPE", "EXT-X-I-FRAMES-ONLY", "EXTM3U"}

// split reads src (valid per Analyze) into lines and segments.
func (d *delta) split(s string) {
	d.eol, d.first = "\n", -1
	if i := strings.IndexByte(s, '\n'); i > 0 && s[i-1] == '\r' {
		d.eol = "\r\n"
	}
	d.endsEOL = strings.HasSuffix(s, "\n")
	dur := 0.0
	for n := 0; s != ""; n++ {
		text := s
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			text, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		text = strings.TrimSuffix(text, "\r")
		l := dline{text: text}
		body := trimBlanks(text)
		if n == 0 {
			body = trimBlanks(strings.TrimPrefix(body, bom))
		}
		switch {
		case body == "":
		case body[0] != '#':
			l.uri = true
			d.uris, d.durs = append(d.uris, len(d.lines)), append(d.durs, dur)
		case strings.HasPrefix(body, "#EXT"):
			name, value, _ := strings.Cut(body[1:], ":")
			l.name = trimBlanks(name)
			if l.name == "EXTINF" {
				v, _, _ := strings.Cut(value, ",")
				dur, _ = strconv.ParseFloat(trimBlanks(v), 64)
			}
		}
		if d.first < 0 && (l.uri || containsName(segmentScoped, l.name)) {
			d.first = len(d.lines)
		}
		d.lines = append(d.lines, l)
	}
}

// skippable is how many leading segments end more than the boundary
// before the end of the last segment.
func (d *delta) skippable() int {
	total := 0.0
	for _, v := range d.durs {
		total += v
	}
	end, k := 0.0, 0
	for i, v := range d.durs {
		end += v
		if total-end < d.boundary-1e-9 || i == len(d.durs)-1 {
			break
		}
		k = i + 1
	}
	return k
}

// build writes the delta that skips the first k segments; false when the
// RECENTLY-REMOVED-DATERANGES list cannot be written.
func (d *delta) build(k int) ([]byte, bool) {
	last := d.uris[k-1]
	var b strings.Builder
	put := func(text string) { b.WriteString(text); b.WriteString(d.eol) }
	version := 9
	if d.history != nil {
		version = 10
	}
	d.writeHeader(&b, version)
	st := &skipState{}
	var kept []string // date ranges of the skipped span, after the EXT-X-SKIP
	for _, l := range d.lines[d.first : last+1] {
		switch {
		case containsName(playlistTags, l.name):
			put(d.versioned(l, version))
		case l.name == "EXT-X-DATERANGE":
			if !d.skipDateRange(l) {
				kept = append(kept, l.text)
			}
		default:
			st.note(l)
		}
	}
	skip, ok := d.skipTag(k)
	if !ok {
		return nil, false
	}
	put(skip)
	for _, t := range kept {
		put(t)
	}
	for _, t := range st.lines() {
		put(t)
	}
	for i, l := range d.lines[last+1:] {
		if l.name == "EXT-X-DATERANGE" && d.skipDateRange(l) {
			continue
		}
		b.WriteString(d.versioned(l, version))
		if last+1+i < len(d.lines)-1 || d.endsEOL {
			b.WriteString(d.eol)
		}
	}
	return []byte(b.String()), true
}

// writeHeader writes the lines before the segments, with EXT-X-VERSION
// raised to version (inserted after #EXTM3U when absent).
func (d *delta) writeHeader(b *strings.Builder, version int) {
	hasVersion := false
	for _, l := range d.lines {
		hasVersion = hasVersion || l.name == "EXT-X-VERSION"
	}
	for _, l := range d.lines[:d.first] {
		if l.name == "EXT-X-DATERANGE" && d.skipDateRange(l) {
			continue
		}
		b.WriteString(d.versioned(l, version))
		b.WriteString(d.eol)
		if l.name == "EXTM3U" && !hasVersion {
			fmt.Fprintf(b, "#EXT-X-VERSION:%d%s", version, d.eol)
			hasVersion = true
		}
	}
}

// versioned is l's text, or an EXT-X-VERSION of at least version.
func (d *delta) versioned(l dline, version int) string {
	if l.name != "EXT-X-VERSION" || d.info.Version >= version {
		return l.text
	}
	return fmt.Sprintf("#EXT-X-VERSION:%d", version)
}

// skipTag is the EXT-X-SKIP line for k segments; false when a removed ID
// has a tab (the list's delimiter) or a quote.
func (d *delta) skipTag(k int) (string, bool) {
	t := fmt.Sprintf("#EXT-X-SKIP:SKIPPED-SEGMENTS=%d", k)
	if d.history == nil {
		return t, true
	}
	present := map[string]bool{}
	for _, dr := range d.info.DateRanges {
		present[dr.ID] = true
	}
	var ids []string
	for _, r := range d.history.Removed {
		if !present[r.ID] && d.now.Sub(r.At).Seconds() <= d.info.CanSkipUntil {
			if strings.ContainsAny(r.ID, "\t\"\r\n") {
				return "", false
			}
			ids = append(ids, r.ID)
			present[r.ID] = true // listed once
		}
	}
	return t + `,RECENTLY-REMOVED-DATERANGES="` + strings.Join(ids, "\t") + `"`, true
}

// skipDateRange reports whether a v2 delta leaves the EXT-X-DATERANGE
// line l out: it was added more than CAN-SKIP-UNTIL ago.
func (d *delta) skipDateRange(l dline) bool {
	if d.history == nil {
		return false
	}
	_, value, _ := strings.Cut(trimBlanks(l.text), ":")
	value = trimBlanks(value)
	if parseAttrs(&d.al, value, 0, len(value)) != nil {
		return false
	}
	id, _ := d.al.get("ID")
	at, ok := d.history.Added[DateRange{ID: id, Attrs: value}]
	return ok && d.now.Sub(at).Seconds() > d.info.CanSkipUntil
}
