package playlist

import "fmt"

// attr is one AttributeName=AttributeValue pair of an attribute list. The
// offsets index the string that was scanned; the value span excludes the
// quotes of a quoted-string.
type attr struct {
	name       string
	valStart   int
	valEnd     int
	quoted     bool
	nameOffset int
}

// attrList is the parsed attribute list of one tag line.
type attrList struct {
	src   string
	attrs []attr
}

// get returns the value of the named attribute and whether it is present.
func (l *attrList) get(name string) (string, bool) {
	for i := range l.attrs {
		if l.attrs[i].name == name {
			return l.src[l.attrs[i].valStart:l.attrs[i].valEnd], true
		}
	}
	return "", false
}

// index returns the index of the named attribute or -1.
func (l *attrList) index(name string) int {
	for i := range l.attrs {
		if l.attrs[i].name == name {
			return i
		}
	}
	return -1
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' }

func isAttrNameChar(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// parseAttrs parses the attribute list s[start:end] into l (reusing its
// storage). Grammar (RFC 8216 §4.2, leniently): optional blanks, a name of
// [A-Za-z0-9_-], '=', then a quoted-string (any bytes but '"' between two
// quotes) or an unquoted value running to the next comma (surrounding
// blanks excluded), then optional blanks and a comma or the end. A trailing comma
// is tolerated. Duplicate names are an error (clients SHOULD refuse them).
func parseAttrs(l *attrList, s string, start, end int) error {
	l.src = s
	l.attrs = l.attrs[:0]
	i := start
	for {
		for i < end && isSpace(s[i]) {
			i++
		}
		if i >= end {
			return nil
		}
		ns := i
		for i < end && isAttrNameChar(s[i]) {
			i++
		}
		if i == ns || i >= end || s[i] != '=' {
			return fmt.Errorf("attribute list: expected NAME= at column %d", ns+1)
		}
		a := attr{name: s[ns:i], nameOffset: ns}
		i++ // '='
		if i < end && s[i] == '"' {
			i++
			a.valStart, a.quoted = i, true
			for i < end && s[i] != '"' {
				i++
			}
			if i >= end {
				return fmt.Errorf("attribute list: unterminated quoted string for %s", a.name)
			}
			a.valEnd = i
			i++ // closing quote
			for i < end && isSpace(s[i]) {
				i++
			}
			if i < end && s[i] != ',' {
				return fmt.Errorf("attribute list: unexpected %q after %s", s[i], a.name)
			}
		} else {
			for i < end && isSpace(s[i]) {
				i++
			}
			a.valStart = i
			for i < end && s[i] != ',' {
				if s[i] == '"' {
					return fmt.Errorf("attribute list: stray quote in value of %s", a.name)
				}
				i++
			}
			a.valEnd = i
			for a.valEnd > a.valStart && isSpace(s[a.valEnd-1]) {
				a.valEnd--
			}
		}
		for j := range l.attrs {
			if l.attrs[j].name == a.name {
				return fmt.Errorf("attribute list: duplicate attribute %s", a.name)
			}
		}
		l.attrs = append(l.attrs, a)
		if i < end {
			i++ // ','
		}
	}
}
