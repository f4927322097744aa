package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestFilmPageResumes checks that the film page starts where the viewer
// left the film, but only when they left it between 5 % and 95 %.
func TestFilmPageResumes(t *testing.T) {
	s := newSite(t, nil)
	tests := []struct {
		progress string
		want     string
	}{
		{"position=300&duration=600", `data-resume="300"`},
		{"position=12&duration=600", `data-resume="0"`},  // barely started
		{"position=590&duration=600", `data-resume="0"`}, // finished
	}
	for _, tt := range tests {
		resp, _ := s.do(t, "POST", "/movies/1/progress", map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			strings.NewReader(tt.progress))
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("progress %s: status %d", tt.progress, resp.StatusCode)
		}
		_, body := s.get(t, "/movies/1")
		if !strings.Contains(body, tt.want) {
			t.Errorf("after %s the film page lacks %s", tt.progress, tt.want)
		}
	}
	// Another viewer starts from the beginning.
	other := s.signUp(t, "newcomer", "newcomer@example.org", testPassword)
	if _, body := other.get(t, "/movies/1"); !strings.Contains(body, `data-resume="0"`) {
		t.Error("a viewer who never played the film does not start at 0")
	}
}
