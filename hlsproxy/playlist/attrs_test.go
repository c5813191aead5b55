package playlist

import (
	"fmt"
	"strings"
	"testing"
)

func TestParseAttrs(t *testing.T) {
	cases := []struct{ in, want string }{
		{`METHOD=AES-128,URI="k?a=1,b=2",IV=0x1`, `METHOD=AES-128|URI="k?a=1,b=2"|IV=0x1`},
		{`NAME="a,URI=b",URI="c"`, `NAME="a,URI=b"|URI="c"`},
		{`A=1, B="x" ,C=y `, `A=1|B="x"|C=y`},
		{`A= x y ,B=2`, `A=x y|B=2`},
		{`A=1,`, `A=1`},
		{``, ``},
		{`URI=""`, `URI=""`},
		{"X=\"a\tb\"", "X=\"a\tb\""},
	}
	for _, tc := range cases {
		var l attrList
		if err := parseAttrs(&l, tc.in, 0, len(tc.in)); err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		var parts []string
		for _, a := range l.attrs {
			v := tc.in[a.valStart:a.valEnd]
			if a.quoted {
				v = `"` + v + `"`
			}
			parts = append(parts, fmt.Sprintf("%s=%s", a.name, v))
		}
		if got := strings.Join(parts, "|"); got != tc.want {
			t.Errorf("%q parsed as %s, want %s", tc.in, got, tc.want)
		}
	}
	for _, bad := range []string{`A`, `=1`, `A="x`, `A="x"y`, `A=x"y`, `A=1,A=2`, `A=1,,B=2`, `A B=1`} {
		var l attrList
		if err := parseAttrs(&l, bad, 0, len(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestIndexCtlFindsEveryControlByteAtEveryPosition(t *testing.T) {
	base := strings.Repeat("aZ~\t é/", 5)
	if i := indexCtl(base); i != -1 {
		t.Fatalf("clean text: index %d", i)
	}
	for c := 0; c < 256; c++ {
		for pos := 0; pos < len(base); pos++ {
			l := base[:pos] + string([]byte{byte(c)}) + base[pos+1:]
			want := -1
			if c < 0x20 && c != '\t' || c == 0x7f {
				want = pos
			}
			if base[pos] == '\t' || base[pos] >= 0x80 {
				continue // replacing part of a tab/UTF-8 sequence: skip, covered by other positions
			}
			if got := indexCtl(l); got != want {
				t.Fatalf("byte %#02x at %d: got %d, want %d", c, pos, got, want)
			}
		}
	}
}
