package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestBenchSmoke runs every phase of the benchmark once with tiny films and
// checks that each figure made it into the table as a number. The convert
// phase, whose films are a minute long whatever --size says, has its own
// smoke test with shorter ones.
func TestBenchSmoke(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	// Two runs: a figure is a number when at least one of them measured it,
	// so one run disturbed by a busy machine does not fail the smoke test.
	code := run(ctx, []string{"hypertube", "bench", "--runs", "2", "--size", "2", "--watch", "2s",
		"--viewers", "3", "--tabs", "1", "--work", t.TempDir(),
		"--only", "firstbyte,play,download,stream,memory,viewers"},
		func(string) string { return "" }, strings.NewReader(""), &stdout, &stderr)
	if code != 0 {
		t.Fatalf("bench exited with %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	out := stdout.String()
	for _, name := range []string{
		"first byte, .torrent known", "first byte, bare magnet",
		"Play → first frame, seeder 2× bitrate", "seek to 70% → playing, seeder 2× bitrate",
		"Play → first frame, seeder 8× bitrate", "seek to 70% → playing, seeder 8× bitrate",
		"download, hypertube fetch", "download, aria2c", "fetch ÷ aria2c",
		"streaming download speed", "whole-torrent download speed", "streaming ÷ whole",
		"memory, 1 stream(s): VmRSS growth", "memory, 20 stream(s): RssAnon",
		"stalls, 3 viewers on 5 films",
	} {
		// median, min and max are numbers, each with the metric's unit.
		row := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `\s+([0-9.]+)(?: \S+|×)?\s+([0-9.]+)(?: \S+|×)?\s+([0-9.]+)`)
		m := row.FindStringSubmatch(out)
		if m == nil {
			t.Errorf("no row with numbers for %q in:\n%s", name, out)
			continue
		}
		if name == "fetch ÷ aria2c" || name == "streaming ÷ whole" {
			if v := mustFloat(t, m[1]); v <= 0 {
				t.Errorf("%s = %v, want a positive ratio", name, v)
			}
		}
	}
	if !strings.Contains(out, "1 Chromium tabs + 2 HTTP readers") {
		t.Errorf("the table does not say how the viewers watched:\n%s", out)
	}
	if strings.Contains(out, "FAILED") {
		t.Errorf("a phase failed:\n%s\nstderr:\n%s", out, stderr.String())
	}
}

func mustFloat(t *testing.T, s string) float64 {
	t.Helper()
	var v float64
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%q is not a number", s)
	}
	return v
}

func TestBenchJSON(t *testing.T) {
	r := benchReport{Runs: 3, Metrics: []*benchMetric{
		{Name: "first byte", Unit: "s", Samples: []float64{0.3, 0.1, 0.2}, Goal: atMost(1)},
		{Name: "ratio", Unit: "×", Samples: []float64{0.5}, Failed: 2, Goal: atLeast(0.8)},
		{Name: "nothing", Unit: "MiB"},
	}}
	var buf bytes.Buffer
	if err := r.writeJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Runs    int
		Metrics []struct {
			Name             string
			Median, Min, Max *float64
			Failed           int
			Goal             string
			Met              *bool
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, buf.String())
	}
	if got.Runs != 3 || len(got.Metrics) != 3 {
		t.Fatalf("got %+v", got)
	}
	fb := got.Metrics[0]
	if *fb.Median != 0.2 || *fb.Min != 0.1 || *fb.Max != 0.3 || fb.Goal != "≤ 1 s" || !*fb.Met {
		t.Errorf("first byte = median %v min %v max %v goal %q met %v", *fb.Median, *fb.Min, *fb.Max, fb.Goal, *fb.Met)
	}
	if ratio := got.Metrics[1]; *ratio.Met || ratio.Failed != 2 || ratio.Goal != "≥ 0.8×" {
		t.Errorf("ratio with failed runs: met %v failed %d goal %q", *ratio.Met, ratio.Failed, ratio.Goal)
	}
	if none := got.Metrics[2]; none.Median != nil || none.Met != nil {
		t.Errorf("a metric without samples has median %v, met %v; want null and none", none.Median, none.Met)
	}
}

func TestBenchMetricStats(t *testing.T) {
	tests := []struct {
		samples       []float64
		med, min, max float64
	}{
		{[]float64{5}, 5, 5, 5},
		{[]float64{3, 1, 2}, 2, 1, 3},
		{[]float64{4, 1, 3, 2}, 2.5, 1, 4},
		{[]float64{0, 0, 7, 0, 0}, 0, 0, 7},
	}
	for _, tt := range tests {
		m := &benchMetric{Samples: tt.samples}
		med, lo, hi := m.stats()
		if med != tt.med || lo != tt.min || hi != tt.max {
			t.Errorf("stats(%v) = %v, %v, %v; want %v, %v, %v", tt.samples, med, lo, hi, tt.med, tt.min, tt.max)
		}
	}
	if med, _, _ := (&benchMetric{}).stats(); !math.IsNaN(med) {
		t.Errorf("median of nothing = %v, want NaN", med)
	}
}

func TestBenchGoalMet(t *testing.T) {
	tests := []struct {
		name string
		m    benchMetric
		want bool
	}{
		{"at most, under", benchMetric{Samples: []float64{0.5, 2, 0.7}, Goal: atMost(1)}, true},
		{"at most, over", benchMetric{Samples: []float64{1.5, 0.2, 1.1}, Goal: atMost(1)}, false},
		{"at most, equal", benchMetric{Samples: []float64{0}, Goal: atMost(0)}, true},
		{"at least, over", benchMetric{Samples: []float64{0.9}, Goal: atLeast(0.8)}, true},
		{"at least, under", benchMetric{Samples: []float64{0.7}, Goal: atLeast(0.8)}, false},
		{"a failed run misses", benchMetric{Samples: []float64{0.1}, Failed: 1, Goal: atMost(1)}, false},
		{"no samples miss", benchMetric{Goal: atMost(1)}, false},
		{"no goal", benchMetric{Samples: []float64{99}}, true},
	}
	for _, tt := range tests {
		if got := tt.m.met(); got != tt.want {
			t.Errorf("%s: met = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestBenchFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string // in the error; "" for none
	}{
		{nil, ""},
		{[]string{"--only", "play, viewers"}, ""},
		{[]string{"--only", "convert"}, ""},
		{[]string{"--runs", "0"}, "--runs must be between 1 and 100"},
		{[]string{"--size", "0"}, "--size must be between 1 and 3000"},
		{[]string{"--only", "play,warp"}, `unknown phase "warp"`},
		{[]string{"--tabs", "21"}, "--tabs must be between 0 and --viewers"},
		{[]string{"--watch", "10ms"}, "--watch must be between 1s and 10m"},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"--runs", "x"}, "invalid value"},
	}
	for _, tt := range tests {
		e := env{Getenv: func(string) string { return "" }, Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}
		_, err := parseBenchFlags(tt.args, e)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%q: %v", tt.args, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%q: error %v, want one saying %q", tt.args, err, tt.want)
		}
	}
}

func TestBenchMetricFormat(t *testing.T) {
	tests := []struct {
		unit string
		v    float64
		want string
	}{
		{"s", 0.16, "0.16 s"},
		{"s", 12.34, "12.3 s"},
		{"MB/s", 123.4, "123 MB/s"},
		{"×", 0.97, "0.97×"},
		{"×", 0.0034, "0.0034×"}, // a tiny ratio is not rounded to 0
		{"×", 0, "0.00×"},
		{"", 17, "17"},
	}
	for _, tt := range tests {
		if got := (&benchMetric{Unit: tt.unit}).format(tt.v); got != tt.want {
			t.Errorf("format(%v %s) = %q, want %q", tt.v, tt.unit, got, tt.want)
		}
	}
}
