package playlist

import (
	"fmt"
	"strings"
)

// flushTo copies the input up to pos, unchanged, to the output.
func (p *scanner) flushTo(pos int) {
	if pos > p.cur {
		p.grow(pos - p.cur)
		p.out = append(p.out, p.s[p.cur:pos]...)
		p.cur = pos
	}
}

// emit appends text that replaces input (a new URI, an inserted line).
func (p *scanner) emit(text string) {
	p.grow(len(text))
	p.out = append(p.out, text...)
}

// grow makes room for n more bytes. Instead of doubling, it extrapolates
// the growth so far to the rest of the input, so that a playlist whose every
// URI gets a token is written with one or two allocations.
func (p *scanner) grow(n int) {
	if cap(p.out)-len(p.out) >= n {
		return
	}
	need := len(p.out) + n
	est := need + len(p.s) - p.cur // as if nothing else changes
	switch {
	case cap(p.out) == 0 && p.cur < len(p.s)/2:
		est = need + len(p.s)/8 // the first rewrite: sample before extrapolating
	case p.cur > 0 && len(p.out) > p.cur:
		est = int(float64(need) / float64(p.cur) * float64(len(p.s)) * 1.05)
	}
	est = max(est, need, 2*cap(p.out)) + 64
	out := make([]byte, len(p.out), est)
	copy(out, p.out)
	p.out = out
}

// value contexts for replace
const (
	uriLineValue = iota
	quotedValue
	unquotedValue
)

// replace asks MapURI (or AppendURI) for the new URI of s[vs:ve] and
// writes it.
func (p *scanner) replace(c *URIContext, vs, ve, how int) error {
	if !p.write {
		return nil
	}
	if p.o.AppendURI != nil {
		p.flushTo(vs)
		p.grow(p.lastURI + 64)
		start := len(p.out)
		p.out = p.o.AppendURI(p.out, c)
		n := p.out[start:]
		p.lastURI = len(n)
		p.cur = ve // the output now has n in place of the input span
		if string(n) == c.URI {
			return nil
		}
		if err := checkReplacement(n, how); err != nil {
			return fmt.Errorf("line %d: %s URI %q: %w", c.Line, c.Kind, n, err)
		}
		return nil
	}
	if p.o.MapURI == nil {
		return nil
	}
	n := p.o.MapURI(c)
	if n == c.URI {
		return nil
	}
	if err := checkReplacement(n, how); err != nil {
		return fmt.Errorf("line %d: %s URI %q: %w", c.Line, c.Kind, n, err)
	}
	p.flushTo(vs)
	p.emit(n)
	p.cur = ve
	return nil
}

// ctl marks the bytes no playlist line may contain: C0 controls but tab,
// and DEL.
var ctl = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = c != '\t'
	}
	t[0x7f] = true
	return t
}()

// indexCtl returns the index of the first ctl byte of l, or -1. It tests
// eight bytes at a time for a byte below 0x20 or equal to 0x7f (the
// "hasless"/"haszero" bit tricks) and looks closer only at such words.
func indexCtl[T string | []byte](l T) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(l); i += 8 {
		x := uint64(l[i]) | uint64(l[i+1])<<8 | uint64(l[i+2])<<16 | uint64(l[i+3])<<24 |
			uint64(l[i+4])<<32 | uint64(l[i+5])<<40 | uint64(l[i+6])<<48 | uint64(l[i+7])<<56
		del := x ^ (0x7f * ones)
		if (x-0x20*ones)&^x&highs == 0 && (del-ones)&^del&highs == 0 {
			continue
		}
		for j := i; j < i+8; j++ {
			if ctl[l[j]] {
				return j
			}
		}
	}
	for ; i < len(l); i++ {
		if ctl[l[i]] {
			return i
		}
	}
	return -1
}

// checkLine vets a line the caller inserts: a tag or comment (it starts
// with '#') without control characters, so that it cannot add a URI line.
func checkLine(l string) error {
	if l == "" || l[0] != '#' {
		return fmt.Errorf("%w: inserted line %q is not a tag or comment", ErrInvalidURI, l)
	}
	if i := indexCtl(l); i >= 0 {
		return fmt.Errorf("%w: control character %#02x", ErrInvalidURI, l[i])
	}
	return nil
}

func checkReplacement[T string | []byte](n T, how int) error {
	if i := indexCtl(n); i >= 0 {
		return fmt.Errorf("%w: control character %#02x", ErrInvalidURI, n[i])
	}
	switch how {
	case uriLineValue:
		if len(n) == 0 || n[0] == '#' || isSpace(n[0]) {
			return fmt.Errorf("%w: empty, blank-led or '#'-led URI line", ErrInvalidURI)
		}
	case quotedValue:
		if indexAny(n, "\"") >= 0 {
			return fmt.Errorf("%w: '\"' in a quoted-string", ErrInvalidURI)
		}
	case unquotedValue:
		if len(n) == 0 || indexAny(n, "\",") >= 0 || isSpace(n[0]) || isSpace(n[len(n)-1]) {
			return fmt.Errorf("%w: empty, blank-edged or ',' or '\"' in an unquoted value", ErrInvalidURI)
		}
	}
	return nil
}

func indexAny[T string | []byte](n T, chars string) int {
	for i := 0; i < len(n); i++ {
		if strings.IndexByte(chars, n[i]) >= 0 {
			return i
		}
	}
	return -1
}
