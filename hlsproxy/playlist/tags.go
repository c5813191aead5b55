package playlist

import (
	"fmt"
	"strconv"
	"strings"
)

// tag handles the tag #name; its value is s[vs:le].
func (p *scanner) tag(name string, ls, vs, le, next int) error {
	s := p.s
	switch name {
	case "EXTINF":
		if err := p.mediaSegmentTag(ls, "EXTINF"); err != nil {
			return err
		}
		d := s[vs:le]
		if c := strings.IndexByte(d, ','); c >= 0 {
			d = d[:c]
		}
		if !isDecimalFloat(trimBlanks(d)) {
			return p.errf("EXTINF duration %q is not a number", d)
		}
		p.inf = true
	case "EXT-X-BYTERANGE":
		if err := p.mediaSegmentTag(ls, name); err != nil {
			return err
		}
		if p.hasBR {
			return p.errf("second EXT-X-BYTERANGE for one segment")
		}
		br, ok := parseByteRange(trimBlanks(s[vs:le]))
		if !ok {
			return p.errf("EXT-X-BYTERANGE %q is not n[@o]", s[vs:le])
		}
		p.br, p.hasBR = br, true
	case "EXT-X-DISCONTINUITY":
		if err := p.mediaSegmentTag(ls, name); err != nil {
			return err
		}
		p.disc++
	case "EXT-X-PROGRAM-DATE-TIME", "EXT-X-GAP", "EXT-X-BITRATE":
		return p.mediaSegmentTag(ls, name)
	case "EXT-X-KEY":
		if err := p.mediaSegmentTag(ls, name); err != nil {
			return err
		}
		return p.keyTag(name, ls, vs, le, next)
	case "EXT-X-SESSION-KEY":
		if err := p.setType(Master, name); err != nil {
			return err
		}
		return p.keyTag(name, ls, vs, le, next)
	case "EXT-X-MAP":
		if err := p.mediaSegmentTag(ls, name); err != nil {
			return err
		}
		return p.mapTag(vs, le)
	case "EXT-X-PART":
		if err := p.mediaSegmentTag(ls, name); err != nil {
			return err
		}
		if p.dropParts() {
			return p.droppedPartLine(ls, le, next, func() error { return p.partTag(vs, le) })
		}
		return p.partTag(vs, le)
	case "EXT-X-PRELOAD-HINT":
		if err := p.mediaSegmentTag(ls, name); err != nil {
			return err
		}
		if p.dropParts() {
			return p.droppedPartLine(ls, le, next, func() error { return p.preloadHintTag(vs, le) })
		}
		return p.preloadHintTag(vs, le)
	case "EXT-X-RENDITION-REPORT":
		if err := p.setType(Media, name); err != nil {
			return err
		}
		return p.uriAttrTag(KindRenditionReport, name, vs, le, false)
	default:
		return p.playlistTag(name, ls, vs, le, next)
	}
	return nil
}

// playlistTag handles the tags that describe the playlist or name other
// playlists (multivariant tags, sequence numbers, target duration...).
func (p *scanner) playlistTag(name string, ls, vs, le, next int) error {
	s := p.s
	switch name {
	case "EXT-X-STREAM-INF":
		if err := p.setType(Master, name); err != nil {
			return err
		}
		if p.streamInf {
			return p.errf("EXT-X-STREAM-INF without URI line")
		}
		p.streamInf = true
	case "EXT-X-I-FRAME-STREAM-INF":
		if err := p.setType(Master, name); err != nil {
			return err
		}
		return p.uriAttrTag(KindIFrame, name, vs, le, true)
	case "EXT-X-MEDIA":
		if err := p.setType(Master, name); err != nil {
			return err
		}
		return p.uriAttrTag(KindMedia, name, vs, le, false)
	case "EXT-X-SESSION-DATA":
		if err := p.setType(Master, name); err != nil {
			return err
		}
		return p.uriAttrTag(KindSessionData, name, vs, le, false)
	case "EXT-X-CONTENT-STEERING":
		return p.setType(Master, name)
	case "EXT-X-MEDIA-SEQUENCE", "EXT-X-DISCONTINUITY-SEQUENCE":
		return p.sequenceTag(name, trimBlanks(s[vs:le]))
	case "EXT-X-SKIP":
		return p.skipTag(vs, le)
	case "EXT-X-TARGETDURATION":
		if err := p.setType(Media, name); err != nil {
			return err
		}
		if v := trimBlanks(s[vs:le]); isDecimalFloat(v) {
			p.info.TargetDuration, _ = strconv.ParseFloat(v, 64)
		}
	case "EXT-X-PLAYLIST-TYPE":
		if err := p.setType(Media, name); err != nil {
			return err
		}
		switch t := trimBlanks(s[vs:le]); t {
		case "VOD", "EVENT":
			p.info.PlaylistType = t
		}
	case "EXT-X-ENDLIST":
		p.info.Endlist = true
		return p.setType(Media, name)
	case "EXT-X-I-FRAMES-ONLY":
		p.info.IFramesOnly = true
		return p.setType(Media, name)
	case "EXT-X-PART-INF":
		return p.partInf(ls, vs, le, next)
	case "EXT-X-SERVER-CONTROL":
		return p.serverControl(ls, vs, le, next)
	case "EXT-X-DATERANGE":
		if err := p.setType(Media, name); err != nil {
			return err
		}
		// The ID is what a delta update's RECENTLY-REMOVED-DATERANGES
		// names; a tag whose attributes do not parse is copied, not listed.
		if parseAttrs(&p.al, s, vs, le) == nil {
			if id, ok := p.al.get("ID"); ok && id != "" {
				p.info.DateRanges = append(p.info.DateRanges, DateRange{ID: id, Attrs: trimBlanks(s[vs:le])})
			}
		}
	case "EXT-X-VERSION":
		if v, err := strconv.Atoi(trimBlanks(s[vs:le])); err == nil && v > 0 {
			p.info.Version = v
		}
	}
	// EXTM3U again, EXT-X-INDEPENDENT-SEGMENTS, EXT-X-START, EXT-X-DEFINE,
	// EXT-X-ALLOW-CACHE and unknown or vendor tags are copied as they are.
	return nil
}

// skipTag handles EXT-X-SKIP (a delta playlist): the skipped segments
// advance the sequence number, and byte ranges restart.
func (p *scanner) skipTag(vs, le int) error {
	if err := p.setType(Media, "EXT-X-SKIP"); err != nil {
		return err
	}
	if err := parseAttrs(&p.al, p.s, vs, le); err != nil {
		return p.errf("EXT-X-SKIP: %v", err)
	}
	v, _ := p.al.get("SKIPPED-SEGMENTS")
	n, ok := parseDecimal(v)
	if !ok || p.seq+n < p.seq {
		return p.errf("EXT-X-SKIP SKIPPED-SEGMENTS %q is not a decimal-integer", v)
	}
	p.seq += n
	p.numbered = true
	p.info.Skipped = true
	p.prevSeg, p.prevPart = rangeEnd{}, rangeEnd{}
	return nil
}

// mediaSegmentTag marks a media playlist tag that belongs to a segment.
func (p *scanner) mediaSegmentTag(ls int, name string) error {
	if err := p.setType(Media, name); err != nil {
		return err
	}
	return p.segmentLine(ls)
}

func (p *scanner) sequenceTag(name, v string) error {
	if err := p.setType(Media, name); err != nil {
		return err
	}
	n, ok := parseDecimal(v)
	if !ok {
		return p.errf("%s %q is not a decimal-integer", name, v)
	}
	if name == "EXT-X-MEDIA-SEQUENCE" {
		if p.seqSet || p.numbered {
			return p.errf("EXT-X-MEDIA-SEQUENCE repeated or after the first segment")
		}
		p.seqSet, p.seq, p.info.MediaSequence = true, n, n
		return nil
	}
	if p.discSet || p.numbered || p.disc != 0 {
		return p.errf("EXT-X-DISCONTINUITY-SEQUENCE repeated or after the first segment")
	}
	p.discSet, p.disc, p.info.DiscontinuitySequence = true, n, n
	return nil
}

// keyTag handles EXT-X-KEY and EXT-X-SESSION-KEY.
func (p *scanner) keyTag(name string, ls, vs, le, next int) error {
	if err := parseAttrs(&p.al, p.s, vs, le); err != nil {
		return p.errf("%s: %v", name, err)
	}
	k := &Key{}
	k.Method, _ = p.al.get("METHOD")
	k.URI, _ = p.al.get("URI")
	k.IV, _ = p.al.get("IV")
	k.KeyFormat, _ = p.al.get("KEYFORMAT")
	k.KeyFormatVersions, _ = p.al.get("KEYFORMATVERSIONS")
	if k.Method == "" {
		return p.errf("%s without METHOD", name)
	}
	if name == "EXT-X-SESSION-KEY" {
		p.info.SessionKeys = append(p.info.SessionKeys, *k)
	} else {
		p.info.Keys = append(p.info.Keys, *k)
		p.setKey(k)
	}
	if p.write && p.o.KeyTag != nil {
		repl, drop := p.o.KeyTag(k, name, p.line)
		if drop || repl != nil {
			return p.replaceLine(ls, le, next, repl, drop)
		}
	}
	return p.rewriteURIAttr(p.keyKind(name), -1, nil, nil, "")
}

func (p *scanner) keyKind(name string) URIKind {
	if name == "EXT-X-SESSION-KEY" {
		return KindSessionKey
	}
	return KindKey
}

// setKey puts k in force: it replaces the key of the same KEYFORMAT;
// METHOD=NONE clears every key.
func (p *scanner) setKey(k *Key) {
	if k.Method == "NONE" {
		p.keys = p.keys[:0]
		return
	}
	for i, o := range p.keys {
		if o.KeyFormat == k.KeyFormat || o.Identity() && k.Identity() {
			p.keys[i] = k
			return
		}
	}
	p.keys = append(p.keys, k)
}

// replaceLine drops the line ls..next or replaces it with repl.
func (p *scanner) replaceLine(ls, le, next int, repl []string, drop bool) error {
	if drop {
		repl = nil
	}
	for _, l := range repl {
		if err := checkLine(l); err != nil {
			return fmt.Errorf("line %d: key tag replacement: %w", p.line, err)
		}
	}
	p.flushTo(ls)
	ending := p.s[le:next]
	for i, l := range repl {
		p.emit(l)
		if i < len(repl)-1 && ending == "" {
			p.emit(p.eol)
		} else {
			p.emit(ending)
		}
	}
	p.cur = next
	return nil
}

// rewriteURIAttr offers the URI attribute of the tag parsed into p.al to
// MapURI. It does nothing when the tag has no URI attribute.
func (p *scanner) rewriteURIAttr(kind URIKind, seq int64, br *ByteRange, m *MapInfo, hint string) error {
	i := p.al.index("URI")
	if i < 0 || p.noURI {
		return nil
	}
	a := p.al.attrs[i]
	c := p.resetCtx(kind, p.s[a.valStart:a.valEnd])
	c.SeqNo, c.ByteRange, c.Map, c.HintType = seq, br, m, hint
	if seq >= 0 {
		c.Discontinuity = p.disc
		c.Key = p.currentKey()
	}
	how := unquotedValue
	if a.quoted {
		how = quotedValue
	}
	return p.replace(c, a.valStart, a.valEnd, how)
}

// uriAttrTag handles tags whose only concern here is their URI attribute.
func (p *scanner) uriAttrTag(kind URIKind, name string, vs, le int, required bool) error {
	if err := parseAttrs(&p.al, p.s, vs, le); err != nil {
		return p.errf("%s: %v", name, err)
	}
	if required && p.al.index("URI") < 0 {
		return p.errf("%s without URI", name)
	}
	return p.rewriteURIAttr(kind, -1, nil, nil, "")
}

// trimBlanks removes leading and trailing spaces and tabs.
func trimBlanks(s string) string {
	for s != "" && isSpace(s[0]) {
		s = s[1:]
	}
	for s != "" && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}
