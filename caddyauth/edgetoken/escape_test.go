package edgetoken

import "testing"

func TestEscapers(t *testing.T) {
	tests := []struct{ in, py, php string }{
		{"/hls/stream1/index.m3u8", "%2fhls%2fstream1%2findex.m3u8", "%2Fhls%2Fstream1%2Findex.m3u8"},
		{"a b+c~d*", "a+b%2bc~d%2a", "a%20b%2Bc~d%2A"},
		{"é", "%c3%a9", "%C3%A9"},
	}
	for _, tt := range tests {
		if got := QuotePlusLower(tt.in); got != tt.py {
			t.Errorf("QuotePlusLower(%q) = %q, want %q", tt.in, got, tt.py)
		}
		if got := RawURLEncode(tt.in); got != tt.php {
			t.Errorf("RawURLEncode(%q) = %q, want %q", tt.in, got, tt.php)
		}
	}
}
