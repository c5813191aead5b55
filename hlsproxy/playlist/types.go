package playlist

import "errors"

// ErrMalformed is wrapped by every error Rewrite and Analyze return for input
// that is not a playlist this package can rewrite safely.
var ErrMalformed = errors.New("malformed playlist")

// ErrInvalidURI is wrapped by the error Rewrite returns when Options.MapURI
// or Options.KeyTag produce text that would change the playlist's structure
// (a line break, a quote inside a quoted attribute, an empty URI line, ...).
var ErrInvalidURI = errors.New("invalid replacement")

// Type is the kind of playlist.
type Type int

// Playlist types.
const (
	Master Type = iota + 1
	Media
)

func (t Type) String() string {
	switch t {
	case Master:
		return "master"
	case Media:
		return "media"
	}
	return "unknown"
}

// URIKind says where a URI occurs.
type URIKind int

// URI kinds.
const (
	KindVariant         URIKind = iota + 1 // URI line after EXT-X-STREAM-INF
	KindSegment                            // URI line of a media segment
	KindKey                                // URI attribute of EXT-X-KEY
	KindSessionKey                         // URI attribute of EXT-X-SESSION-KEY
	KindMap                                // URI attribute of EXT-X-MAP
	KindMedia                              // URI attribute of EXT-X-MEDIA
	KindIFrame                             // URI attribute of EXT-X-I-FRAME-STREAM-INF
	KindPart                               // URI attribute of EXT-X-PART
	KindPreloadHint                        // URI attribute of EXT-X-PRELOAD-HINT
	KindRenditionReport                    // URI attribute of EXT-X-RENDITION-REPORT
	KindSessionData                        // URI attribute of EXT-X-SESSION-DATA
)

var kindNames = [...]string{"", "variant", "segment", "key", "session-key", "map", "media",
	"iframe", "part", "preload-hint", "rendition-report", "session-data"}

func (k URIKind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Key is an EXT-X-KEY or EXT-X-SESSION-KEY tag as written (URI unquoted).
type Key struct {
	Method, URI, IV, KeyFormat, KeyFormatVersions string
}

// Identity reports whether the key uses the identity key format (KEYFORMAT
// absent or "identity"), the one AES-128 and its sequence-number IV use.
func (k *Key) Identity() bool { return k.KeyFormat == "" || k.KeyFormat == "identity" }

// ByteRange is a sub-range of a resource (EXT-X-BYTERANGE, or the BYTERANGE
// attribute of EXT-X-MAP and EXT-X-PART, or the BYTERANGE-START/-LENGTH
// attributes of EXT-X-PRELOAD-HINT).
type ByteRange struct {
	Length    int64 // -1 for a preload hint without BYTERANGE-LENGTH (to the end)
	Offset    int64 // as written (0 when absent)
	HasOffset bool  // the offset was written
	// ResolvedOffset is the absolute offset: Offset when written, else the end
	// of the previous sub-range of the same resource (RFC 8216 §4.3.2.2);
	// 0 for an EXT-X-MAP without offset.
	ResolvedOffset int64
}

// End returns the offset one past the last byte (ResolvedOffset+Length).
func (b *ByteRange) End() int64 { return b.ResolvedOffset + b.Length }

// MapInfo is an EXT-X-MAP tag: the media initialization section.
type MapInfo struct {
	URI       string
	ByteRange *ByteRange // nil: the whole resource
	Key       *Key       // key in force for the map itself (nil when clear)
	Line      int
}

// URIContext describes one URI occurrence. Rewrite reuses the value (and
// its ByteRange) between calls: copy what you keep. Key and Map pointers
// stay valid.
type URIContext struct {
	Kind URIKind
	URI  string // as written (unquoted, without surrounding whitespace)
	Line int    // 1-based line number in the input

	// SeqNo is the media sequence number of the segment (Segment), of the
	// segment a Part or PreloadHint belongs to, or of the segment a Map
	// precedes (informational: an encrypted map needs an explicit IV);
	// -1 for other kinds.
	SeqNo int64
	// Discontinuity is the discontinuity sequence number of that segment.
	Discontinuity int64
	// Key is the EXT-X-KEY in force for a Segment, Part, Map or PreloadHint:
	// the identity-format one when present, else the first other one; nil
	// when none is in force or after METHOD=NONE.
	Key *Key
	// Map is the EXT-X-MAP in force for a Segment, Part or PreloadHint (for
	// a Map occurrence, that map itself).
	Map *MapInfo
	// ByteRange of a Segment, Map, Part or PreloadHint, nil when absent.
	ByteRange *ByteRange
	// HintType is the TYPE attribute of an EXT-X-PRELOAD-HINT ("PART", "MAP").
	HintType string
}

// Options control Rewrite. The zero value copies the playlist unchanged.
type Options struct {
	// MapURI returns the new URI for each occurrence (return c.URI to keep
	// it). Called for every kind, in document order, including non-HTTP
	// key URIs (skd://, data:); see IsHTTPURI.
	MapURI func(c *URIContext) string
	// AppendURI, when set, is used instead of MapURI: it appends the new
	// URI (c.URI to keep it) to dst, which is the output buffer, and returns
	// the extended slice. It lets a caller rewrite without allocating a
	// string per URI (see AppendQueryTo).
	AppendURI func(dst []byte, c *URIContext) []byte
	// KeyTag is called for each EXT-X-KEY and EXT-X-SESSION-KEY line before
	// MapURI; tag is "EXT-X-KEY" or "EXT-X-SESSION-KEY". drop removes the
	// line; a non-nil replacement replaces it with the given lines (without
	// line endings; the original one is reused). Either way MapURI is not
	// called for that line. Key scope in URIContext always follows the
	// input's keys. k must not be modified. Replacement lines must be tags
	// or comments (start with '#').
	KeyTag func(k *Key, tag string, line int) (replacement []string, drop bool)
	// InsertBeforeFirstSegment lines (without line endings) go right before
	// the first segment-scoped line of a media playlist: the first EXTINF,
	// EXT-X-KEY, EXT-X-MAP, EXT-X-BYTERANGE, EXT-X-DISCONTINUITY,
	// EXT-X-PROGRAM-DATE-TIME, EXT-X-GAP, EXT-X-BITRATE, EXT-X-PART,
	// EXT-X-PRELOAD-HINT or URI line. Nothing is inserted into a master
	// playlist or a media playlist without such a line. Lines must be tags
	// or comments (start with '#').
	InsertBeforeFirstSegment []string
	// DropParts removes every EXT-X-PART, EXT-X-PRELOAD-HINT and
	// EXT-X-PART-INF line of a media playlist (after validating it): the
	// playlist then lists full segments only, which every player plays at
	// regular latency. Info still counts the parts.
	DropParts bool
	// DropServerControl names EXT-X-SERVER-CONTROL attributes to remove
	// (e.g. CAN-BLOCK-RELOAD when the server behind cannot block); the
	// other attributes keep their bytes and order, and the line goes when
	// none is left. Info reports the input's values.
	DropServerControl []string
}

// Info summarizes a playlist.
type Info struct {
	Type                  Type
	Version               int     // 0 when absent or not an integer
	TargetDuration        float64 // 0 when absent, not a number or negative
	MediaSequence         int64
	DiscontinuitySequence int64
	Endlist               bool
	PlaylistType          string // "VOD", "EVENT" or ""
	IFramesOnly           bool
	Segments              int   // media segments (URI lines of a media playlist)
	NextSequence          int64 // media playlist: the sequence number its next segment will have (after skipped and listed ones)
	Parts                 int   // EXT-X-PART tags
	TrailingParts         int   // EXT-X-PART tags after the last segment: parts of segment NextSequence
	Variants              int   // URI lines of a master playlist
	HasByteRange          bool  // a segment or part has a byte range
	HasMap                bool
	PartTarget            float64     // PART-TARGET of EXT-X-PART-INF, 0 when absent
	CanBlockReload        bool        // EXT-X-SERVER-CONTROL CAN-BLOCK-RELOAD=YES
	CanSkipUntil          float64     // EXT-X-SERVER-CONTROL CAN-SKIP-UNTIL, 0 when absent
	CanSkipDateRanges     bool        // EXT-X-SERVER-CONTROL CAN-SKIP-DATERANGES=YES
	Skipped               bool        // an EXT-X-SKIP tag: the playlist is a delta update
	DateRanges            []DateRange // every EXT-X-DATERANGE with an ID, in order
	Keys                  []Key       // every EXT-X-KEY as written, in order (METHOD=NONE included)
	SessionKeys           []Key       // every EXT-X-SESSION-KEY
}

// DateRange is one EXT-X-DATERANGE tag: its ID and its attribute list as
// written (a later tag of the same ID with other attributes is another tag).
type DateRange struct {
	ID, Attrs string
}

// Encrypted reports whether any EXT-X-KEY has a METHOD other than NONE.
func (i *Info) Encrypted() bool {
	for _, k := range i.Keys {
		if k.Method != "NONE" {
			return true
		}
	}
	return false
}
