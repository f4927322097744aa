package auth_test

import (
	"net/http/httptest"
	"testing"

	"github.com/hypertube/hypertube/auth"
)

func TestClientIP(t *testing.T) {
	proxies, err := auth.ParseProxies(" 127.0.0.1, 10.0.0.0/8 ,::1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, remote, forwarded string
		proxies                 auth.Proxies
		want                    string
	}{
		{"no proxies: the peer", "203.0.113.7:5000", "198.51.100.1", nil, "203.0.113.7"},
		{"an untrusted peer's header is ignored", "203.0.113.7:5000", "198.51.100.1", proxies, "203.0.113.7"},
		{"a trusted proxy", "127.0.0.1:5000", "198.51.100.1", proxies, "198.51.100.1"},
		{"a chain of trusted proxies", "10.1.2.3:5000", "198.51.100.1, 10.9.9.9", proxies, "198.51.100.1"},
		{"what the client forged is left of its address", "127.0.0.1:5000", "1.2.3.4, 198.51.100.1", proxies, "198.51.100.1"},
		{"IPv6 proxy", "[::1]:5000", "2001:db8::5", proxies, "2001:db8::5"},
		{"no header: the proxy", "127.0.0.1:5000", "", proxies, "127.0.0.1"},
		{"garbage stops the walk", "127.0.0.1:5000", "198.51.100.1, nonsense", proxies, "127.0.0.1"},
		{"every hop a proxy", "127.0.0.1:5000", "10.0.0.1", proxies, "127.0.0.1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			if tt.forwarded != "" {
				r.Header.Set("X-Forwarded-For", tt.forwarded)
			}
			if got := tt.proxies.ClientIP(r); got != tt.want {
				t.Errorf("ClientIP = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseProxiesRejects(t *testing.T) {
	for _, s := range []string{"localhost", "10.0.0.0/33", "1.2.3"} {
		if _, err := auth.ParseProxies(s); err == nil {
			t.Errorf("ParseProxies(%q) accepted", s)
		}
	}
	if p, err := auth.ParseProxies(""); err != nil || len(p) != 0 {
		t.Errorf("ParseProxies(\"\") = %v, %v", p, err)
	}
}
