package perimeter

import "testing"

func BenchmarkDecideAllowedWithCORS(b *testing.B) {
	rule, _ := NewRule([]string{"GET", "HEAD"}, []string{"/hls/*", "/keys/*", "*.m3u8"})
	rt, _ := NewRoutes(rule)
	cors, _ := NewCORS([]string{"https://player.example", "https://www.example.com"})
	p := &Policy{Routes: rt, HSTS: &HSTS{MaxAge: 31536000}, CORS: cors, Ports: []int{443}}
	r := Request{
		Method: "GET", Path: "/hls/show/1080p/seg00042.ts", EscapedPath: "/hls/show/1080p/seg00042.ts",
		TLS: true, LocalPort: 443, Host: "media.example", Origin: "https://player.example",
	}
	b.ReportAllocs()
	for b.Loop() {
		if d := p.Decide(r); d.Action != Continue {
			b.Fatal(d.Reason)
		}
	}
}

func BenchmarkDecideRefusedRoute(b *testing.B) {
	rule, _ := NewRule(nil, []string{"/hls/*", "/keys/*"})
	rt, _ := NewRoutes(rule)
	p := &Policy{Routes: rt}
	r := Request{Method: "GET", Path: "/wp-admin/setup.php", EscapedPath: "/wp-admin/setup.php", TLS: true}
	b.ReportAllocs()
	for b.Loop() {
		if d := p.Decide(r); d.Action != Deny {
			b.Fatal("allowed")
		}
	}
}

func BenchmarkPatternMatchPrefix(b *testing.B) {
	p := MustCompilePattern("/hls/*")
	b.ReportAllocs()
	for b.Loop() {
		if !p.Match("/hls/show/1080p/seg00042.ts") {
			b.Fatal("no match")
		}
	}
}
