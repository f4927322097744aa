package store_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/store"
)

func TestProviderCache(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		cache := store.NewCacheService(openBackend(t, b))
		now := time.Date(2025, 5, 6, 7, 8, 9, 0, time.UTC)
		get := func(key string, at time.Time) ([]byte, bool) {
			t.Helper()
			v, ok, err := cache.Get(ctx, key, at)
			if err != nil {
				t.Fatal(err)
			}
			return v, ok
		}

		if _, ok := get("tmdb:popular:1", now); ok {
			t.Fatal("hit in an empty cache")
		}
		// Binary values, NUL bytes and invalid UTF-8 included, come back
		// as they went in.
		value := []byte("{\"page\":1}\x00\xff\xfe")
		if err := cache.Put(ctx, "tmdb:popular:1", value, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got, ok := get("tmdb:popular:1", now.Add(59*time.Minute)); !ok || !bytes.Equal(got, value) {
			t.Errorf("before expiry: %q, %v", got, ok)
		}
		if _, ok := get("tmdb:popular:1", now.Add(time.Hour)); ok {
			t.Error("hit at the expiry time")
		}
		if _, ok := get("TMDB:popular:1", now); ok {
			t.Error("keys ignore case")
		}

		// Put replaces value and expiry.
		if err := cache.Put(ctx, "tmdb:popular:1", []byte("new"), now.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got, ok := get("tmdb:popular:1", now.Add(90*time.Minute)); !ok || string(got) != "new" {
			t.Errorf("after a second Put: %q, %v", got, ok)
		}
		// An empty answer is an answer.
		if err := cache.Put(ctx, "omdb:tt0000000", nil, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got, ok := get("omdb:tt0000000", now); !ok || got == nil || len(got) != 0 {
			t.Errorf("empty value: %q, %v", got, ok)
		}

		if err := cache.Put(ctx, "yts:list:1", []byte("x"), now.Add(10*time.Minute)); err != nil {
			t.Fatal(err)
		}
		n, err := cache.Purge(ctx, now.Add(time.Hour))
		if err != nil || n != 2 {
			t.Errorf("Purge removed %d (%v), want the 2 expired at that time", n, err)
		}
		// Purged rows are gone, not only hidden: a Get in the past misses.
		if _, ok := get("yts:list:1", now); ok {
			t.Error("a purged value is still there")
		}
		if _, ok := get("tmdb:popular:1", now); !ok {
			t.Error("Purge removed a live value")
		}
	})
}

func TestProviderCacheRefuses(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		cache := store.NewCacheService(openBackend(t, b))
		for _, key := range []string{"", strings.Repeat("k", 2049), "a\nb", "bad\xff"} {
			_, _, err := cache.Get(ctx, key, time.Now())
			wantCode(t, err, hypertube.EINVALID)
			wantCode(t, cache.Put(ctx, key, []byte("v"), time.Now()), hypertube.EINVALID)
		}
		wantCode(t, cache.Put(ctx, "big", make([]byte, 16<<20+1), time.Now()), hypertube.EINVALID)
	})
}
