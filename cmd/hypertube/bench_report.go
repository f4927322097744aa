package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// benchMetric is one figure of the benchmark, measured once per run.
type benchMetric struct {
	Name    string
	Unit    string // "s", "MiB", "MB/s", "×", "" (a count)
	Samples []float64
	Failed  int // runs that gave no figure, e.g. a player that never started
	Goal    *benchGoal
	Note    string
}

// benchGoal is met when the median is at most (or at least) Value.
type benchGoal struct {
	AtMost bool
	Value  float64
}

func atMost(v float64) *benchGoal  { return &benchGoal{AtMost: true, Value: v} }
func atLeast(v float64) *benchGoal { return &benchGoal{Value: v} }

func (m *benchMetric) add(v float64) { m.Samples = append(m.Samples, v) }

func (m *benchMetric) addDuration(d time.Duration) { m.add(d.Seconds()) }

// median, min and max of the samples; NaN when there are none.
func (m *benchMetric) stats() (med, lo, hi float64) {
	if len(m.Samples) == 0 {
		return math.NaN(), math.NaN(), math.NaN()
	}
	s := slices.Sorted(slices.Values(m.Samples))
	n := len(s)
	med = s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	return med, s[0], s[n-1]
}

// met reports whether the goal holds; a failed run misses it.
func (m *benchMetric) met() bool {
	med, _, _ := m.stats()
	switch {
	case m.Goal == nil:
		return true
	case m.Failed > 0 || math.IsNaN(med):
		return false
	case m.Goal.AtMost:
		return med <= m.Goal.Value
	default:
		return med >= m.Goal.Value
	}
}

// goal says what the figure should be, in its unit: "≤ 1 s", "≥ 0.8×".
func (m *benchMetric) goal() string {
	if m.Goal == nil {
		return ""
	}
	op := "≥ "
	if m.Goal.AtMost {
		op = "≤ "
	}
	s := op + strconv.FormatFloat(m.Goal.Value, 'g', -1, 64)
	switch m.Unit {
	case "":
	case "×":
		s += "×"
	default:
		s += " " + m.Unit
	}
	return s
}

func (m *benchMetric) format(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	var s string
	switch {
	case m.Unit == "":
		s = strconv.FormatFloat(v, 'f', -1, 64)
	case v >= 100:
		s = strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		s = strconv.FormatFloat(v, 'f', 1, 64)
	case v >= 0.01 || v == 0:
		s = strconv.FormatFloat(v, 'f', 2, 64)
	default:
		// Two significant digits, so a tiny figure never prints as 0.
		s = strconv.FormatFloat(v, 'g', 2, 64)
	}
	if m.Unit != "" && m.Unit != "×" {
		s += " " + m.Unit
	}
	if m.Unit == "×" {
		s += "×"
	}
	return s
}

// benchReport is everything runBench prints.
type benchReport struct {
	Runs    int
	Film    string
	Started time.Time
	Metrics []*benchMetric
	Errors  []string
}

func (r *benchReport) writeTable(w io.Writer) error {
	fmt.Fprintf(w, "Hypertube bench, %s: %d run(s), loopback 127.0.0.1\n", r.Started.Format("2006-01-02 15:04"), r.Runs)
	if r.Film != "" {
		fmt.Fprintf(w, "Film: %s\n", r.Film)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "metric\tmedian\tmin\tmax\tgoal\t\tnote")
	for _, m := range r.Metrics {
		med, lo, hi := m.stats()
		verdict := ""
		if m.Goal != nil {
			verdict = "ok"
			if !m.met() {
				verdict = "MISSED"
			}
		}
		note := m.Note
		if m.Failed > 0 {
			note = strings.TrimSpace(fmt.Sprintf("%d of %d runs failed; %s", m.Failed, m.Failed+len(m.Samples), note))
			note = strings.TrimSuffix(note, ";")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", m.Name, m.format(med), m.format(lo), m.format(hi), m.goal(), verdict, note)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, e := range r.Errors {
		fmt.Fprintf(w, "\nFAILED %s\n", e)
	}
	return nil
}

type benchJSONMetric struct {
	Name    string    `json:"name"`
	Unit    string    `json:"unit"`
	Median  *float64  `json:"median"`
	Min     *float64  `json:"min"`
	Max     *float64  `json:"max"`
	Samples []float64 `json:"samples"`
	Failed  int       `json:"failed"`
	Goal    string    `json:"goal,omitempty"`
	Met     *bool     `json:"met,omitempty"`
	Note    string    `json:"note,omitempty"`
}

func (r *benchReport) writeJSON(w io.Writer) error {
	num := func(v float64) *float64 {
		if math.IsNaN(v) {
			return nil
		}
		return &v
	}
	out := struct {
		Started time.Time         `json:"started"`
		Runs    int               `json:"runs"`
		Film    string            `json:"film,omitempty"`
		Metrics []benchJSONMetric `json:"metrics"`
		Errors  []string          `json:"errors,omitempty"`
	}{Started: r.Started, Runs: r.Runs, Film: r.Film, Errors: r.Errors, Metrics: []benchJSONMetric{}}
	for _, m := range r.Metrics {
		med, lo, hi := m.stats()
		jm := benchJSONMetric{Name: m.Name, Unit: m.Unit, Median: num(med), Min: num(lo), Max: num(hi),
			Samples: m.Samples, Failed: m.Failed, Goal: m.goal(), Note: m.Note}
		if jm.Samples == nil {
			jm.Samples = []float64{}
		}
		if m.Goal != nil {
			met := m.met()
			jm.Met = &met
		}
		out.Metrics = append(out.Metrics, jm)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
