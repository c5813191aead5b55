package playlist

import "strings"

// mapTag handles EXT-X-MAP: it becomes the map in force for what follows.
func (p *scanner) mapTag(vs, le int) error {
	if err := parseAttrs(&p.al, p.s, vs, le); err != nil {
		return p.errf("EXT-X-MAP: %v", err)
	}
	uri, ok := p.al.get("URI")
	if !ok {
		return p.errf("EXT-X-MAP without URI")
	}
	m := &MapInfo{URI: uri, Key: p.currentKey(), Line: p.line}
	if v, ok := p.al.get("BYTERANGE"); ok {
		br, ok := parseByteRange(v)
		if !ok {
			return p.errf("EXT-X-MAP BYTERANGE %q is not n[@o]", v)
		}
		br.ResolvedOffset = br.Offset // a map range without offset starts at 0
		m.ByteRange = &br
	}
	p.curMap = m
	p.info.HasMap = true
	return p.rewriteURIAttr(KindMap, p.seq, m.ByteRange, m, "")
}

// partTag handles EXT-X-PART: a partial segment of the next segment.
func (p *scanner) partTag(vs, le int) error {
	if err := parseAttrs(&p.al, p.s, vs, le); err != nil {
		return p.errf("EXT-X-PART: %v", err)
	}
	uri, ok := p.al.get("URI")
	if !ok {
		return p.errf("EXT-X-PART without URI")
	}
	p.info.Parts++
	p.info.TrailingParts++
	p.numbered = true
	var brp *ByteRange
	if v, ok := p.al.get("BYTERANGE"); ok {
		br, ok := parseByteRange(v)
		if !ok {
			return p.errf("EXT-X-PART BYTERANGE %q is not n[@o]", v)
		}
		if err := p.resolveRange(&br, &p.prevPart, uri, "EXT-X-PART BYTERANGE"); err != nil {
			return err
		}
		p.ctxBR = br
		brp = &p.ctxBR
		p.info.HasByteRange = true
	} else {
		p.prevPart = rangeEnd{}
	}
	return p.rewriteURIAttr(KindPart, p.seq, brp, p.curMap, "")
}

// preloadHintTag handles EXT-X-PRELOAD-HINT (TYPE=PART or MAP).
func (p *scanner) preloadHintTag(vs, le int) error {
	if err := parseAttrs(&p.al, p.s, vs, le); err != nil {
		return p.errf("EXT-X-PRELOAD-HINT: %v", err)
	}
	if p.al.index("URI") < 0 {
		return p.errf("EXT-X-PRELOAD-HINT without URI")
	}
	var brp *ByteRange
	start, hasStart := p.al.get("BYTERANGE-START")
	length, hasLength := p.al.get("BYTERANGE-LENGTH")
	if hasStart || hasLength {
		br := ByteRange{Length: -1}
		var ok bool
		if hasStart {
			if br.Offset, ok = parseDecimal(start); !ok {
				return p.errf("EXT-X-PRELOAD-HINT BYTERANGE-START %q is not a decimal-integer", start)
			}
			br.HasOffset, br.ResolvedOffset = true, br.Offset
		}
		if hasLength {
			if br.Length, ok = parseDecimal(length); !ok {
				return p.errf("EXT-X-PRELOAD-HINT BYTERANGE-LENGTH %q is not a decimal-integer", length)
			}
		}
		p.ctxBR = br
		brp = &p.ctxBR
	}
	hint, _ := p.al.get("TYPE")
	return p.rewriteURIAttr(KindPreloadHint, p.seq, brp, p.curMap, hint)
}

// parseDecimal parses an RFC 8216 decimal-integer that fits an int64.
func parseDecimal(s string) (int64, bool) {
	if s == "" || len(s) > 19 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
		if n < 0 {
			return 0, false
		}
	}
	return n, true
}

// parseByteRange parses "n[@o]".
func parseByteRange(s string) (ByteRange, bool) {
	ns, os, hasOffset := strings.Cut(s, "@")
	var br ByteRange
	var ok bool
	if br.Length, ok = parseDecimal(ns); !ok {
		return br, false
	}
	if hasOffset {
		if br.Offset, ok = parseDecimal(os); !ok {
			return br, false
		}
		br.HasOffset = true
	}
	return br, true
}

// isDecimalFloat reports whether s is a non-negative decimal-floating-point
// number: digits, optionally followed by '.' and digits.
func isDecimalFloat(s string) bool {
	digits, dot := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot && digits > 0:
			dot = true
		default:
			return false
		}
	}
	return digits > 0
}
