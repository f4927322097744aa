package auth_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hypertube/hypertube/auth"
)

func TestLimiter(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	type step struct {
		key  string
		at   time.Duration // after t0
		want bool
	}
	tests := []struct {
		name  string
		n     int
		per   time.Duration
		steps []step
	}{
		{"burst of n then refused", 3, time.Minute, []step{
			{"ip1", 0, true}, {"ip1", 0, true}, {"ip1", time.Second, true}, {"ip1", 2 * time.Second, false},
		}},
		{"keys are independent", 1, time.Minute, []step{
			{"ip1", 0, true}, {"ip1", 0, false}, {"ip2", 0, true}, {"ip2", 0, false},
		}},
		{"one event back per per/n", 3, time.Minute, []step{
			{"a", 0, true}, {"a", 0, true}, {"a", 0, true}, {"a", 0, false},
			{"a", 19 * time.Second, false}, {"a", 20 * time.Second, true}, {"a", 21 * time.Second, false},
		}},
		{"refills fully after per, never beyond n", 2, time.Minute, []step{
			{"a", 0, true}, {"a", 0, true}, {"a", 0, false},
			{"a", time.Hour, true}, {"a", time.Hour, true}, {"a", time.Hour, false},
		}},
		{"refused attempts do not cost", 1, time.Minute, []step{
			{"a", 0, true}, {"a", 30 * time.Second, false}, {"a", 59 * time.Second, false}, {"a", 60 * time.Second, true},
		}},
		{"clock stepping back mints nothing", 1, time.Minute, []step{
			{"a", time.Hour, true}, {"a", 0, false}, {"a", time.Hour, false}, {"a", time.Hour + time.Minute, true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := auth.NewLimiter(tt.n, tt.per)
			for i, s := range tt.steps {
				if got := l.Allow(s.key, t0.Add(s.at)); got != s.want {
					t.Fatalf("step %d: Allow(%q, t0+%v) = %v; want %v", i, s.key, s.at, got, s.want)
				}
			}
		})
	}
}

func TestLimiterForgetsIdleKeys(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := auth.NewLimiter(5, time.Minute)
	for i := range 1000 {
		l.Allow(fmt.Sprintf("client-%d", i), t0)
	}
	if n := l.Len(); n != 1000 {
		t.Fatalf("Len = %d after 1000 keys; want 1000", n)
	}
	l.Allow("late", t0.Add(2*time.Minute))
	if n := l.Len(); n != 1 {
		t.Errorf("Len = %d two periods later; want 1 (idle keys dropped)", n)
	}
}

func TestLimiterMaxKeys(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := auth.NewLimiter(2, time.Minute)
	l.MaxKeys = 3
	for _, k := range []string{"a", "b", "c"} {
		if !l.Allow(k, t0) {
			t.Fatalf("Allow(%q) refused below MaxKeys", k)
		}
	}
	if l.Allow("d", t0) {
		t.Error("a new key was allowed while MaxKeys busy keys are held")
	}
	if !l.Allow("a", t0) {
		t.Error("a known key was refused because the table is full")
	}
	if l.Len() > 3 {
		t.Errorf("Len = %d; want at most MaxKeys", l.Len())
	}
	// Once the others have refilled they are forgotten, making room again.
	if !l.Allow("d", t0.Add(time.Minute)) {
		t.Error("a new key was refused after the busy ones went idle")
	}
}

func TestLimiterConcurrent(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := auth.NewLimiter(100, time.Hour)
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if l.Allow("shared", t0) {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if allowed != 100 {
		t.Errorf("%d of 400 concurrent calls allowed; want exactly 100", allowed)
	}
}
