package playlist

import (
	"strconv"
	"strings"
)

// Low-Latency HLS (RFC 8216bis): what a proxy in front of the packager must
// be able to take out of a media playlist — partial segments it cannot
// deliver (Options.DropParts) and server abilities its origin lacks
// (Options.DropServerControl).

// dropParts reports whether this run removes EXT-X-PART, EXT-X-PRELOAD-HINT
// and EXT-X-PART-INF lines.
func (p *scanner) dropParts() bool { return p.write && p.o.DropParts }

// droppedPartLine validates a part-scoped tag with parse (its URI is not
// offered to MapURI) and removes its line.
func (p *scanner) droppedPartLine(ls, le, next int, parse func() error) error {
	p.noURI = true
	err := parse()
	p.noURI = false
	if err != nil {
		return err
	}
	return p.replaceLine(ls, le, next, nil, true)
}

// partInf handles EXT-X-PART-INF: it records PART-TARGET.
func (p *scanner) partInf(ls, vs, le, next int) error {
	if err := p.setType(Media, "EXT-X-PART-INF"); err != nil {
		return err
	}
	if err := parseAttrs(&p.al, p.s, vs, le); err != nil {
		return p.errf("EXT-X-PART-INF: %v", err)
	}
	if v, ok := p.al.get("PART-TARGET"); ok && isDecimalFloat(v) {
		p.info.PartTarget, _ = strconv.ParseFloat(v, 64)
	}
	if p.dropParts() {
		return p.replaceLine(ls, le, next, nil, true)
	}
	return nil
}

// serverControl handles EXT-X-SERVER-CONTROL: it records what the server
// says it can do and removes the attributes Options.DropServerControl
// names, keeping every other byte of the line (the whole line goes when
// nothing is left).
func (p *scanner) serverControl(ls, vs, le, next int) error {
	if err := p.setType(Media, "EXT-X-SERVER-CONTROL"); err != nil {
		return err
	}
	if err := parseAttrs(&p.al, p.s, vs, le); err != nil {
		return p.errf("EXT-X-SERVER-CONTROL: %v", err)
	}
	v, _ := p.al.get("CAN-BLOCK-RELOAD")
	p.info.CanBlockReload = v == "YES"
	if v, ok := p.al.get("CAN-SKIP-UNTIL"); ok && isDecimalFloat(v) {
		p.info.CanSkipUntil, _ = strconv.ParseFloat(v, 64)
	}
	v, _ = p.al.get("CAN-SKIP-DATERANGES")
	p.info.CanSkipDateRanges = v == "YES"
	if !p.write || len(p.o.DropServerControl) == 0 {
		return nil
	}
	var kept []string
	dropped := false
	for _, a := range p.al.attrs {
		if containsName(p.o.DropServerControl, a.name) {
			dropped = true
			continue
		}
		end := a.valEnd
		if a.quoted {
			end++ // the closing quote
		}
		kept = append(kept, p.s[a.nameOffset:end])
	}
	switch {
	case !dropped:
		return nil
	case len(kept) == 0:
		return p.replaceLine(ls, le, next, nil, true)
	}
	p.flushTo(vs)
	p.emit(strings.Join(kept, ","))
	p.cur = le // the line ending stays
	return nil
}

func containsName(names []string, name string) bool {
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}
