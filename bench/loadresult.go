package bench

// LoadResult is one run of bench/cmd/load, written as a JSON line on its
// standard output and read back by bench/cmd/report.
type LoadResult struct {
	Label      string  `json:"label"`
	Conc       int     `json:"conc"`
	Seconds    float64 `json:"seconds"`
	PeriodS    float64 `json:"period_s"`
	Requests   int     `json:"requests"`
	Errors     int     `json:"errors"`
	Bytes      int64   `json:"bytes"`
	RPS        float64 `json:"rps"`
	MBps       float64 `json:"mbps"`
	TTFBP50ms  float64 `json:"ttfb_p50_ms"`
	TTFBP99ms  float64 `json:"ttfb_p99_ms"`
	TotalP50ms float64 `json:"total_p50_ms"`
	TotalP99ms float64 `json:"total_p99_ms"`
	FirstErr   string  `json:"first_error,omitempty"`
}
