package media

import "testing"

func TestTailBuffer(t *testing.T) {
	tests := []struct {
		name    string
		writes  []string
		want    string
		dropped int64
	}{
		{"empty", nil, "", 0},
		{"short", []string{"abc"}, "abc", 0},
		{"exactly full", []string{"abcd", "efgh"}, "abcdefgh", 0},
		{"wraps", []string{"abcdef", "ghij"}, "cdefghij", 2},
		{"wraps twice", []string{"abcdef", "ghij", "klmnop"}, "ijklmnop", 8},
		{"one big write", []string{"0123456789ab"}, "456789ab", 4},
		{"big write after small", []string{"xy", "0123456789"}, "23456789", 4},
		{"many small", []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}, "cdefghij", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newTailBuffer(8)
			for _, w := range tt.writes {
				if n, err := b.Write([]byte(w)); n != len(w) || err != nil {
					t.Fatalf("Write(%q) = %d, %v", w, n, err)
				}
			}
			if got := string(b.Bytes()); got != tt.want {
				t.Errorf("Bytes() = %q, want %q", got, tt.want)
			}
			if got := b.Dropped(); got != tt.dropped {
				t.Errorf("Dropped() = %d, want %d", got, tt.dropped)
			}
		})
	}
}
