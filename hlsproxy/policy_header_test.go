package hlsproxy

import (
	"net/http"
	"testing"
)

// A metadata header decides only when it holds exactly one value: sent
// twice (whatever the order) or not at all, the asset gets the default, so
// an origin that answers both "false" and "true" never makes it public.
func TestAssetPolicyHeaderSentTwiceIsTheDefault(t *testing.T) {
	for _, def := range []string{"protected", "public"} {
		p := &AssetPolicy{Header: "X-Tokenize", Default: def}
		if err := p.provision(); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			vals []string
			want bool
		}{
			{nil, def != "public"},
			{[]string{"true"}, true},
			{[]string{" FALSE "}, false},
			{[]string{"false", "true"}, def != "public"},
			{[]string{"true", "false"}, def != "public"},
			{[]string{"false", "false"}, def != "public"},
			{[]string{"false, true"}, def != "public"},
		}
		for _, c := range cases {
			h := http.Header{}
			for _, v := range c.vals {
				h.Add("X-Tokenize", v)
			}
			if got := p.protected(h); got != c.want {
				t.Errorf("default %s, X-Tokenize %q: protected=%v, want %v", def, c.vals, got, c.want)
			}
		}
	}
}
