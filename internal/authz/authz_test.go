package authz

import "testing"

// Only the request's own query token is ever offered for propagation, and
// only for paths its ACL covers.
func TestPropagateOffersOnlyAQueryTokenWhereItCovers(t *testing.T) {
	q := &Auth{Authenticated: true, Source: Query, Param: "t", Token: "TOK", Scope: []string{"/hls/a/*"}}
	if p, v, ok := q.PropagateFor("/hls/a/seg.ts"); !ok || p != "t" || v != "TOK" {
		t.Errorf("covered path: %q %q %v", p, v, ok)
	}
	if _, _, ok := q.PropagateFor("/hls/b/seg.ts"); ok {
		t.Error("uncovered path offered the token")
	}
	for _, a := range []*Auth{
		{Authenticated: true, Source: Cookie, Token: "TOK", Scope: []string{"/*"}},
		{Authenticated: true, Source: Header, Token: "TOK", Scope: []string{"/*"}},
		{Authenticated: true, Source: Query, Session: true, Token: "TOK", Scope: []string{"/*"}},
		nil,
	} {
		if _, _, ok := a.PropagateFor("/hls/a/seg.ts"); ok {
			t.Errorf("%+v offered a token", a)
		}
	}
}

func TestEntryRefusedUnlessAFreshQueryToken(t *testing.T) {
	for _, c := range []struct {
		a    *Auth
		want bool
	}{
		{&Auth{Authenticated: true, Source: Query, QueryEntry: true}, false},
		{&Auth{Authenticated: true, Source: Cookie, QueryEntry: true}, true},
		{&Auth{Authenticated: true, Source: Header, QueryEntry: true}, true},
		{&Auth{Authenticated: true, Source: Query, Session: true, QueryEntry: true}, true},
		{&Auth{Authenticated: true, Source: Cookie}, false},
		{nil, false},
	} {
		if got := c.a.EntryRefused(KindMultivariant); got != c.want {
			t.Errorf("%+v: refused %v, want %v", c.a, got, c.want)
		}
		if c.a.EntryRefused(KindMedia) {
			t.Errorf("%+v: media playlist refused", c.a)
		}
	}
}
