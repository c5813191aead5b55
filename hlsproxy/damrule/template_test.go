package damrule

import (
	"net/url"
	"testing"
)

func TestTemplateEscapesTheAssetForWhereItStands(t *testing.T) {
	cases := []struct{ tmpl, asset, want string }{
		{"https://dam.example.com/rule?asset={asset}", "videos/a b&c=d", "https://dam.example.com/rule?asset=videos%2Fa+b%26c%3Dd"},
		{"https://dam.example.com/rules/{asset}/tokenize", "videos/a b?#", "https://dam.example.com/rules/videos/a%20b%3F%23/tokenize"},
		{"http://127.0.0.1:9/r/{asset}?again={asset}", "x/y", "http://127.0.0.1:9/r/x/y?again=x%2Fy"},
	}
	for _, c := range cases {
		tp, err := ParseTemplate(c.tmpl)
		if err != nil {
			t.Fatalf("%s: %v", c.tmpl, err)
		}
		got := tp.URL(c.asset)
		if got != c.want {
			t.Errorf("%s with %q = %s, want %s", c.tmpl, c.asset, got, c.want)
		}
		if _, err := url.Parse(got); err != nil {
			t.Errorf("%s is not a URL: %v", got, err)
		}
	}
}

func TestTemplateRefusesWhatCannotNameTheAsset(t *testing.T) {
	for _, s := range []string{
		"https://dam.example.com/rule",         // no placeholder
		"dam.example.com/rule?asset={asset}",   // not absolute
		"ftp://dam.example.com/{asset}",        // scheme
		"https://{asset}.example.com/rule",     // host
		"https://u:p@dam.example.com/{asset}",  // user info
		"https://dam.example.com/rule#{asset}", // fragment
		"https:///rule?asset={asset}",          // no host
	} {
		if _, err := ParseTemplate(s); err == nil {
			t.Errorf("%s accepted", s)
		}
	}
}

func FuzzTemplateURLKeepsTheAssetInsideItsPart(f *testing.F) {
	f.Add("a/b c")
	f.Add("../../admin?x=1#y")
	tq, _ := ParseTemplate("https://dam.example.com/rule?asset={asset}&v=1")
	tp, _ := ParseTemplate("https://dam.example.com/rules/{asset}")
	f.Fuzz(func(t *testing.T, asset string) {
		u, err := url.Parse(tq.URL(asset))
		if err != nil {
			t.Fatal(err)
		}
		if u.Host != "dam.example.com" || u.Path != "/rule" || u.Query().Get("asset") != asset || u.Query().Get("v") != "1" {
			t.Fatalf("query template with %q gave %s", asset, u)
		}
		u, err = url.Parse(tp.URL(asset))
		if err != nil {
			t.Fatal(err)
		}
		if u.Host != "dam.example.com" || u.RawQuery != "" || u.Fragment != "" || u.Path != "/rules/"+asset {
			t.Fatalf("path template with %q gave %s (path %q)", asset, u, u.Path)
		}
	})
}

func TestAssetOfTakesTheFirstSegments(t *testing.T) {
	cases := []struct {
		key   string
		depth int
		want  string
	}{
		{"a/720p/seg0.ts", 1, "a"},
		{"a/master.m3u8", 1, "a"},
		{"a/seg0.ts", 2, "a"},
		{"videos/a/720p/seg0.ts", 2, "videos/a"},
		{"brochure.pdf", 1, "brochure.pdf"},
		{"a/b", 0, "a"},
	}
	for _, c := range cases {
		if got := AssetOf(c.key, c.depth); got != c.want {
			t.Errorf("AssetOf(%q, %d) = %q, want %q", c.key, c.depth, got, c.want)
		}
	}
}
