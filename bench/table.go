package bench

import (
	"fmt"
	"io"
	"strings"
)

// Row is one line of the BENCHMARKS.md table.
type Row struct {
	Path     string // what is measured
	Ours     string // our figure, with unit
	Baseline string // the same-run baseline figure, with unit, or "—"
	Ratio    string // ours/baseline in the target's direction, or "—"
	Target   string
	Status   Status
}

// Status is a row's verdict.
type Status string

// Verdicts. Info rows have no target of their own (extra context, e.g. the S3 variant).
const (
	Pass Status = "pass"
	Miss Status = "MISS"
	Info Status = "info"
	Skip Status = "not measured"
)

// Verdict returns Pass when ok, else Miss.
func Verdict(ok bool) Status {
	if ok {
		return Pass
	}
	return Miss
}

// WriteTable writes rows as a GitHub markdown table.
func WriteTable(w io.Writer, rows []Row) error {
	var b strings.Builder
	b.WriteString("| path | ours | baseline (same run) | ratio | target | result |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n",
			cell(r.Path), cell(r.Ours), cell(r.Baseline), cell(r.Ratio), cell(r.Target), cell(string(r.Status)))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func cell(s string) string {
	if s == "" {
		return "—"
	}
	return strings.ReplaceAll(s, "|", `\|`)
}
