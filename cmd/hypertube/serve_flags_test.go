package main

import (
	"slices"
	"testing"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"0", 0, false},
		{"1500000", 1500000, false},
		{"512K", 512 << 10, false},
		{"512KiB", 512 << 10, false},
		{"1.5MiB", 3 << 19, false},
		{"2MB", 2 << 20, false},
		{"2m", 2 << 20, false},
		{"1G", 1 << 30, false},
		{"3MiB/s", 3 << 20, false},
		{"", 0, true},
		{"fast", 0, true},
		{"-1M", 0, true},
		{"1T", 0, true},
	}
	for _, tt := range tests {
		got, err := parseSize(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d, err %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseServeFlags(t *testing.T) {
	vars := map[string]string{"HYPERTUBE_ADDR": "127.0.0.1:9999", "HYPERTUBE_DEMO_RATE": "1MiB", "HYPERTUBE_ADMINS": " alice, ,bob"}
	e := env{Getenv: func(k string) string { return vars[k] }, Stderr: new(discard)}
	c, err := parseServeFlags([]string{"--data", "/tmp/x", "--demo=false"}, e)
	if err != nil {
		t.Fatal(err)
	}
	if c.addr != "127.0.0.1:9999" || c.dataDir != "/tmp/x" || c.demo || c.demoRate != 1<<20 || !slices.Equal(c.admins, []string{"alice", "bob"}) {
		t.Errorf("got %+v", c)
	}
	if c, err := parseServeFlags([]string{"--admins", "carol"}, e); err != nil || !slices.Equal(c.admins, []string{"carol"}) {
		t.Errorf("--admins carol: %v, %v", c.admins, err)
	}
	if _, err := parseServeFlags([]string{"--bogus"}, e); err == nil {
		t.Error("unknown flag accepted")
	}
	if c, err := parseServeFlags([]string{"--trusted-proxies", "127.0.0.1,10.0.0.0/8"}, e); err != nil || len(c.proxies) != 2 {
		t.Errorf("--trusted-proxies: %v, %v", c.proxies, err)
	}
	if _, err := parseServeFlags([]string{"--trusted-proxies", "localhost"}, e); err == nil {
		t.Error("a host name accepted as a trusted proxy")
	}
	if _, err := parseServeFlags([]string{"--demo-rate", "fast"}, e); err == nil {
		t.Error("bad --demo-rate accepted")
	}
	if _, err := parseServeFlags([]string{"extra"}, e); err == nil {
		t.Error("stray argument accepted")
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
