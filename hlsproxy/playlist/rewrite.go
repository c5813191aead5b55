package playlist

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

const bom = "\xEF\xBB\xBF"

// Rewrite copies src, replacing the URIs Options.MapURI maps, dropping or
// replacing the key lines Options.KeyTag asks for and inserting
// Options.InsertBeforeFirstSegment. Every other byte is copied unchanged.
// An error wraps ErrMalformed when src is not a playlist this package
// accepts (see the package documentation), or ErrInvalidURI when a
// replacement would change the playlist's structure; out is nil then.
// info describes the input (before KeyTag drops or inserted lines).
func Rewrite(src []byte, o Options) (out []byte, info *Info, err error) {
	p := newScanner(string(src), &o, true)
	if err := p.run(); err != nil {
		return nil, nil, err
	}
	return p.out, &p.info, nil
}

// Analyze validates src like Rewrite and summarizes it, without copying.
func Analyze(src []byte) (*Info, error) {
	p := newScanner(string(src), &Options{}, false)
	if err := p.run(); err != nil {
		return nil, err
	}
	return &p.info, nil
}

// rangeEnd remembers the previous sub-range for implicit offsets.
type rangeEnd struct {
	uri    string
	end    int64
	ranged bool
}

// scanner is the single-pass state machine behind Rewrite and Analyze.
type scanner struct {
	s     string
	o     *Options
	write bool
	out   []byte
	cur   int    // s[:cur] is already in out
	eol   string // line ending for inserted lines
	info  Info

	line      int
	m3u       bool
	typ       Type
	streamInf bool // master: EXT-X-STREAM-INF waiting for its URI line

	seq, disc  int64
	seqSet     bool // EXT-X-MEDIA-SEQUENCE seen
	discSet    bool // EXT-X-DISCONTINUITY-SEQUENCE seen
	numbered   bool // a sequence number was handed out (or skipped)
	inf        bool // EXTINF waiting for its URI line
	br         ByteRange
	hasBR      bool // EXT-X-BYTERANGE waiting for its URI line
	keys       []*Key
	curMap     *MapInfo
	prevSeg    rangeEnd
	prevPart   rangeEnd
	segStarted bool // the first segment-scoped line was seen
	noURI      bool // the tag being read is dropped: its URI is not offered

	ctx     URIContext
	lastURI int // length of the last URI AppendURI wrote
	ctxBR   ByteRange
	al      attrList
}

func newScanner(s string, o *Options, write bool) *scanner {
	return &scanner{s: s, o: o, write: write}
}

func (p *scanner) errf(format string, args ...any) error {
	return fmt.Errorf("%w: line %d: %s", ErrMalformed, p.line, fmt.Sprintf(format, args...))
}

func (p *scanner) run() error {
	s := p.s
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: not UTF-8", ErrMalformed)
	}
	p.eol = "\n"
	if i := strings.IndexByte(s, '\n'); i > 0 && s[i-1] == '\r' {
		p.eol = "\r\n"
	}
	for pos := 0; pos < len(s); {
		p.line++
		le, next := len(s), len(s)
		if nl := strings.IndexByte(s[pos:], '\n'); nl >= 0 {
			le, next = pos+nl, pos+nl+1
		}
		if le > pos && s[le-1] == '\r' {
			le--
		}
		if err := p.handleLine(pos, le, next); err != nil {
			return err
		}
		pos = next
	}
	if !p.m3u {
		return fmt.Errorf("%w: no #EXTM3U line", ErrMalformed)
	}
	if p.typ == 0 {
		return fmt.Errorf("%w: neither master nor media playlist tags", ErrMalformed)
	}
	p.info.Type = p.typ
	p.info.NextSequence = p.seq
	if p.write {
		p.flushTo(len(s))
	}
	return nil
}

// handleLine dispatches the line s[ls:le]; next is the start of the next
// line (le..next is the line ending).
func (p *scanner) handleLine(ls, le, next int) error {
	s := p.s
	if i := indexCtl(s[ls:le]); i >= 0 {
		return p.errf("control character %#02x", s[ls+i])
	}
	i := ls
	if p.line == 1 && strings.HasPrefix(s[i:le], bom) {
		i += len(bom)
	}
	for i < le && isSpace(s[i]) {
		i++
	}
	if i == le {
		return nil // blank line
	}
	if s[i] != '#' {
		return p.uriLine(ls, i, le, next)
	}
	if !strings.HasPrefix(s[i:le], "#EXT") {
		return nil // comment
	}
	j := i + 1
	for j < le && s[j] != ':' {
		j++
	}
	nameEnd := j
	for nameEnd > i+1 && isSpace(s[nameEnd-1]) {
		nameEnd--
	}
	name := s[i+1 : nameEnd]
	vs := j + 1
	if j == le {
		vs = le
	}
	if !p.m3u {
		if name == "EXTM3U" {
			p.m3u = true
			return nil
		}
		return p.errf("#%s before #EXTM3U", name)
	}
	return p.tag(name, ls, vs, le, next)
}

// setType records the playlist type a tag implies.
func (p *scanner) setType(t Type, what string) error {
	if p.typ == 0 {
		p.typ = t
		return nil
	}
	if p.typ != t {
		return p.errf("%s in a %s playlist (master and media tags mixed)", what, p.typ)
	}
	return nil
}

// segmentLine handles the first segment-scoped line: InsertBeforeFirstSegment
// goes right before it.
func (p *scanner) segmentLine(ls int) error {
	if p.segStarted {
		return nil
	}
	p.segStarted = true
	if !p.write || len(p.o.InsertBeforeFirstSegment) == 0 {
		return nil
	}
	for _, l := range p.o.InsertBeforeFirstSegment {
		if err := checkLine(l); err != nil {
			return fmt.Errorf("insert line: %w", err)
		}
	}
	p.flushTo(ls)
	for _, l := range p.o.InsertBeforeFirstSegment {
		p.emit(l)
		p.emit(p.eol)
	}
	return nil
}

// uriLine handles a URI line whose URI starts at us.
func (p *scanner) uriLine(ls, us, le, next int) error {
	ue := le
	for ue > us && isSpace(p.s[ue-1]) {
		ue--
	}
	if !p.m3u {
		return p.errf("URI line before #EXTM3U")
	}
	c := p.resetCtx(0, p.s[us:ue])
	switch {
	case p.typ == Master && p.streamInf:
		p.streamInf = false
		p.info.Variants++
		c.Kind = KindVariant
	case p.typ == Media && p.inf:
		if err := p.segmentLine(ls); err != nil {
			return err
		}
		c.Kind = KindSegment
		c.SeqNo, c.Discontinuity = p.seq, p.disc
		c.Key, c.Map = p.currentKey(), p.curMap
		if p.hasBR {
			if err := p.resolveRange(&p.br, &p.prevSeg, c.URI, "EXT-X-BYTERANGE"); err != nil {
				return err
			}
			p.ctxBR = p.br
			c.ByteRange = &p.ctxBR
			p.info.HasByteRange = true
		} else {
			p.prevSeg = rangeEnd{}
		}
		if p.seq == math.MaxInt64 {
			return p.errf("media sequence number overflows")
		}
		p.seq++
		p.numbered = true
		p.inf, p.hasBR = false, false
		p.info.Segments++
		p.info.TrailingParts = 0
	case p.typ == Master:
		return p.errf("URI line without EXT-X-STREAM-INF")
	default:
		return p.errf("URI line without EXTINF")
	}
	return p.replace(c, us, ue, uriLineValue)
}

// resolveRange fills br.ResolvedOffset (implicit offsets continue the
// previous sub-range, which must be of the same resource: RFC 8216
// §4.3.2.2 and §4.4.4.9 of its successor) and records it in prev.
func (p *scanner) resolveRange(br *ByteRange, prev *rangeEnd, uri, tag string) error {
	if br.HasOffset {
		br.ResolvedOffset = br.Offset
	} else {
		if !prev.ranged || prev.uri != uri {
			return p.errf("%s without offset, but the previous one is not a sub-range of %q", tag, uri)
		}
		br.ResolvedOffset = prev.end
	}
	end := br.ResolvedOffset + br.Length
	if end < br.ResolvedOffset {
		return p.errf("%s overflows", tag)
	}
	*prev = rangeEnd{uri: uri, end: end, ranged: true}
	return nil
}

func (p *scanner) currentKey() *Key {
	for _, k := range p.keys {
		if k.Identity() {
			return k
		}
	}
	if len(p.keys) > 0 {
		return p.keys[0]
	}
	return nil
}

func (p *scanner) resetCtx(kind URIKind, uri string) *URIContext {
	p.ctx = URIContext{Kind: kind, URI: uri, Line: p.line, SeqNo: -1}
	return &p.ctx
}
