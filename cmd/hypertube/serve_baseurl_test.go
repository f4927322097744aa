package main

import "testing"

func TestParseServeFlagsBaseURL(t *testing.T) {
	tests := []struct {
		env, flag, want string
		ok              bool
	}{
		{"", "", "", true},
		{"https://films.example.org/", "", "https://films.example.org", true},
		{"https://films.example.org", "http://127.0.0.1:8080", "http://127.0.0.1:8080", true},
		{"", "ftp://films.example.org", "", false},
		{"", "films.example.org", "", false},
		{"", "https://films.example.org/sub/path", "", false},
	}
	for _, tt := range tests {
		e := env{Getenv: func(k string) string {
			if k == "HYPERTUBE_BASE_URL" {
				return tt.env
			}
			return ""
		}, Stderr: new(discard)}
		var args []string
		if tt.flag != "" {
			args = []string{"--base-url", tt.flag}
		}
		c, err := parseServeFlags(args, e)
		if (err == nil) != tt.ok || (err == nil && c.baseURL != tt.want) {
			t.Errorf("env %q flag %q: got %q, %v; want %q, ok %v", tt.env, tt.flag, c.baseURL, err, tt.want, tt.ok)
		}
	}
}
