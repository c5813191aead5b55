package bench

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	tests := []struct {
		name string
		in   []float64
		want float64
	}{
		{"odd count takes the middle", []float64{9, 1, 5}, 5},
		{"even count averages the two middle values", []float64{4, 1, 3, 2}, 2.5},
		{"single value", []float64{7}, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := append([]float64(nil), tt.in...)
			if got := Median(in); got != tt.want {
				t.Errorf("Median(%v) = %v, want %v", tt.in, got, tt.want)
			}
			for i := range in {
				if in[i] != tt.in[i] {
					t.Fatalf("Median reordered its input: %v", in)
				}
			}
		})
	}
	if !math.IsNaN(Median(nil)) {
		t.Error("Median(nil) should be NaN")
	}
}

func TestPercentileNearestRank(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- { // 100ms..1ms, reversed
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	tests := []struct {
		p    float64
		want time.Duration
	}{
		{50, 50 * time.Millisecond},
		{99, 99 * time.Millisecond},
		{100, 100 * time.Millisecond},
		{0.1, 1 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := Percentile(ds, tt.p); got != tt.want {
			t.Errorf("p%v = %v, want %v", tt.p, got, tt.want)
		}
	}
	if got := Percentile(nil, 99); got != 0 {
		t.Errorf("empty p99 = %v, want 0", got)
	}
}

func TestWriteTableEscapesPipesAndFillsEmptyCells(t *testing.T) {
	var b bytes.Buffer
	err := WriteTable(&b, []Row{{Path: "a|b", Ours: "1", Status: Verdict(false)}})
	if err != nil {
		t.Fatal(err)
	}
	last := strings.Split(strings.TrimSpace(b.String()), "\n")[2]
	if want := `| a\|b | 1 | — | — | — | MISS |`; last != want {
		t.Errorf("row = %q, want %q", last, want)
	}
}
