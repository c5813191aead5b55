package playlist

import "strings"

// skipState follows the key, map and bitrate lines of the skipped span:
// what is in force for the first retained segment.
type skipState struct {
	keys    []keyLine // in force, one per KEYFORMAT
	none    string    // the last METHOD=NONE line
	mapLine string
	mapKeys []keyLine // in force where the map was declared
	bitrate string
	al      attrList
}

type keyLine struct{ format, text string }

// note records one line of the skipped span.
func (st *skipState) note(l dline) {
	switch l.name {
	case "EXT-X-KEY":
		line := trimBlanks(l.text)
		_, value, _ := strings.Cut(line, ":")
		if parseAttrs(&st.al, value, 0, len(value)) != nil {
			return // Analyze accepted it: cannot happen
		}
		method, _ := st.al.get("METHOD")
		format, _ := st.al.get("KEYFORMAT")
		if format == "identity" {
			format = ""
		}
		if method == "NONE" {
			st.keys, st.none = nil, l.text
			return
		}
		for i := range st.keys {
			if st.keys[i].format == format {
				st.keys[i].text = l.text
				return
			}
		}
		st.keys = append(st.keys, keyLine{format, l.text})
	case "EXT-X-MAP":
		st.mapLine, st.mapKeys = l.text, append([]keyLine(nil), st.keys...)
	case "EXT-X-BITRATE":
		st.bitrate = l.text
	}
}

// lines are the lines that put the state back after the EXT-X-SKIP: the
// map with the keys it was declared under, then the keys now in force.
func (st *skipState) lines() []string {
	var out []string
	cur := st.keys
	if st.mapLine != "" {
		for _, k := range st.mapKeys {
			out = append(out, k.text)
		}
		out = append(out, st.mapLine)
		if !sameKeys(st.mapKeys, cur) {
			if len(st.mapKeys) > 0 && st.none != "" {
				out = append(out, st.none)
			}
			for _, k := range cur {
				out = append(out, k.text)
			}
		}
	} else {
		for _, k := range cur {
			out = append(out, k.text)
		}
	}
	if st.bitrate != "" {
		out = append(out, st.bitrate)
	}
	return out
}

func sameKeys(a, b []keyLine) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
