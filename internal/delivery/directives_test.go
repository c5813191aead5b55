package delivery

import (
	"errors"
	"math"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestDirectivesAreExactlyTheAllowListCanonical(t *testing.T) {
	d, err := ParseDirectives("__token__=exp%3D1~hmac%3Dab&_HLS_msn=0273&_HLS_part=2&_HLS_skip=YES&download=x&_hls_msn=9&mgctx=abc&bad%zz=1")
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{"_HLS_msn": {"273"}, "_HLS_part": {"2"}, "_HLS_skip": {"YES"}}
	if d.Encode() != want.Encode() {
		t.Fatalf("directives %q, want %q", d.Encode(), want.Encode())
	}
	if d, _ := ParseDirectives("%5FHLS_msn=5"); d.Get("_HLS_msn") != "5" {
		t.Errorf("an encoded directive name is the directive: %q", d.Encode())
	}
	skip, _ := ParseDirectives("_HLS_skip=v2")
	none, err := ParseDirectives("__token__=x&a=b")
	if !Blocking(d) || Blocking(skip) || none != nil || err != nil {
		t.Error("blocking is _HLS_msn; a query without directives has none")
	}
}

// Every hostile spelling is refused by the parser, so it is the client's
// 400 before any origin request.
func TestHostileDirectivesAreRefused(t *testing.T) {
	for _, q := range []string{
		"_HLS_msn=", "_HLS_msn", "_HLS_msn=-1", "_HLS_msn=abc", "_HLS_msn=1e9", "_HLS_msn=+5", "_HLS_msn=%2B5",
		"_HLS_msn=0x10", "_HLS_msn=%205", "_HLS_msn=5%20", "_HLS_msn=5.0", "_HLS_msn=5;x", "_HLS_msn=%zz",
		"_HLS_msn=9223372036854775808", "_HLS_msn=18446744073709551615", "_HLS_msn=99999999999999999999",
		"_HLS_msn=" + strings.Repeat("0", 21) + "1", "_HLS_msn=٣",
		"_HLS_msn=5&_HLS_msn=5", "_HLS_msn=5&_HLS_msn=6", "_HLS_msn=5&%5FHLS_msn=6",
		"_HLS_part=0", "_HLS_part=0&_HLS_skip=YES", "_HLS_msn=5&_HLS_part=-1", "_HLS_msn=5&_HLS_part=x",
		"_HLS_msn=5&_HLS_part=1&_HLS_part=2", "_HLS_msn=5&_HLS_part=99999999999999999999",
		"_HLS_skip=NO", "_HLS_skip=yes", "_HLS_skip=V2", "_HLS_skip=", "_HLS_skip=YES&_HLS_skip=v2",
	} {
		if d, err := ParseDirectives(q); !errors.Is(err, ErrBadDirective) {
			t.Errorf("%q: %q, %v; want ErrBadDirective", q, d.Encode(), err)
		}
	}
}

func TestFarAheadMSNIsRefusedAgainstTheKnownPlaylist(t *testing.T) {
	seen := time.Unix(1_700_000_000, 0)
	e := Edge{Next: 108, Target: 2, Seen: seen} // last segment 107
	msn := func(n int64) url.Values { return url.Values{"_HLS_msn": {strconv.FormatInt(n, 10)}} }
	cases := []struct {
		msn   int64
		after time.Duration
		ok    bool
	}{
		{107, 0, true}, {109, 0, true}, // up to the last plus two
		{110, 0, false}, {math.MaxInt64, 0, false},
		{110, time.Millisecond, true}, // a half target duration begun: one more
		{111, time.Second, false},
		{113, 4 * time.Second, true}, // 4 s of a 2 s target: up to 4 more
		{114, 4 * time.Second, false},
		{math.MaxInt64, 1000 * time.Hour, false},
	}
	for _, tc := range cases {
		err := e.CheckAhead(msn(tc.msn), seen.Add(tc.after))
		if (err == nil) != tc.ok || err != nil && !errors.Is(err, ErrTooFarAhead) {
			t.Errorf("msn %d %v after: %v, want ok=%v", tc.msn, tc.after, err, tc.ok)
		}
	}
	if err := (Edge{Next: 108}).CheckAhead(msn(10_000), seen); err != nil {
		t.Errorf("without a target duration nothing is known: %v", err)
	}
	if err := e.CheckAhead(url.Values{"_HLS_skip": {"YES"}}, seen); err != nil {
		t.Errorf("a delta update without _HLS_msn: %v", err)
	}
	if err := (Edge{Next: math.MaxInt64, Target: 1, Seen: seen}).CheckAhead(msn(math.MaxInt64), seen.Add(time.Hour)); err != nil {
		t.Errorf("no overflow at the top: %v", err)
	}
}

// FuzzParseDirectives: whatever the query, the parser either refuses it or
// returns directives that are exactly the allow list, canonical, and parse
// again to themselves (what reaches the origin is what was checked).
func FuzzParseDirectives(f *testing.F) {
	for _, s := range []string{"_HLS_msn=12&_HLS_part=3&_HLS_skip=v2", "%5FHLS_msn=007", "_HLS_msn=5&_HLS_msn=5", "a=b&_HLS_part=1", "_HLS_msn=9223372036854775807"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		d, err := ParseDirectives(q)
		if err != nil {
			return
		}
		for name, vs := range d {
			if len(vs) != 1 || !strings.HasPrefix(name, "_HLS_") {
				t.Fatalf("%q: %q", q, d.Encode())
			}
			if name != "_HLS_skip" {
				if n, err := strconv.ParseInt(vs[0], 10, 64); err != nil || n < 0 || strconv.FormatInt(n, 10) != vs[0] {
					t.Fatalf("%q: %s=%q is not canonical", q, name, vs[0])
				}
			}
		}
		again, err := ParseDirectives(d.Encode())
		if err != nil || again.Encode() != d.Encode() {
			t.Fatalf("%q: %q reparses as %q, %v", q, d.Encode(), again.Encode(), err)
		}
	})
}
