package catalog_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/anacrolix/torrent/metainfo"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/catalog"
	"github.com/hypertube/hypertube/store"
)

var (
	hexHash = regexp.MustCompile(`^[0-9a-f]{40}$`)
	imdbID  = regexp.MustCompile(`^tt[0-9]{7,8}$`)
)

func TestBuiltinFilms(t *testing.T) {
	films := catalog.Builtin()
	if len(films) < 5 {
		t.Fatalf("Builtin() has %d films, want at least 5", len(films))
	}
	hashes, titles := map[string]bool{}, map[string]bool{}
	for _, m := range films {
		t.Run(m.Title, func(t *testing.T) {
			if m.Title == "" || m.Year < 1895 || m.Runtime <= 0 || len(m.Genres) == 0 || m.Summary == "" {
				t.Errorf("incomplete film: %+v", m)
			}
			if !imdbID.MatchString(m.ImdbID) {
				t.Errorf("IMDb id %q is not tt followed by 7 or 8 digits", m.ImdbID)
			}
			if m.Source != catalog.SourceBuiltin {
				t.Errorf("Source = %q, want %q", m.Source, catalog.SourceBuiltin)
			}
			if !hexHash.MatchString(m.InfoHash) {
				t.Errorf("info hash %q is not 40 lowercase hex digits", m.InfoHash)
			}
			if hashes[m.InfoHash] || titles[m.Title] {
				t.Errorf("listed twice")
			}
			hashes[m.InfoHash], titles[m.Title] = true, true

			// The torrent library must read the magnet as we do.
			mag, err := metainfo.ParseMagnetUri(m.Magnet)
			if err != nil {
				t.Fatalf("magnet does not parse: %v", err)
			}
			if got := mag.InfoHash.HexString(); got != m.InfoHash {
				t.Errorf("magnet's xt is %s, want %s", got, m.InfoHash)
			}
			if mag.DisplayName == "" {
				t.Error("magnet has no dn=")
			}
			if len(mag.Trackers) == 0 {
				t.Error("magnet has no tr=")
			}
			for _, tr := range mag.Trackers {
				u, err := url.Parse(tr)
				if err != nil || u.Hostname() == "" || !strings.Contains(u.Hostname(), ".") {
					t.Errorf("tracker %q is not a public URL", tr)
					continue
				}
				switch u.Scheme {
				case "udp", "http", "https", "wss":
				default:
					t.Errorf("tracker %q: unexpected scheme", tr)
				}
			}
		})
	}
}

func TestBuiltinReturnsACopy(t *testing.T) {
	first := catalog.Builtin()
	first[0].Title = "changed"
	first[0].Genres[0] = "changed"
	second := catalog.Builtin()
	if second[0].Title == "changed" || second[0].Genres[0] == "changed" {
		t.Error("changing the result of Builtin changed the next one")
	}
}

func TestImportTwiceKeepsOneRowPerFilm(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := store.NewMovieService(db)
	films := catalog.Builtin()

	if err := catalog.Import(ctx, svc, films); err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, m := range films {
		got, err := svc.FindMovieByInfoHash(ctx, m.InfoHash)
		if err != nil {
			t.Fatalf("%s: %v", m.Title, err)
		}
		if got.Title != m.Title || got.Magnet != m.Magnet || got.Source != catalog.SourceBuiltin {
			t.Errorf("stored %+v, want %+v", got, m)
		}
		ids[m.InfoHash] = got.ID
	}
	if films[0].ID != 0 {
		t.Error("Import changed the caller's slice")
	}

	if err := catalog.Import(ctx, svc, catalog.Builtin()); err != nil {
		t.Fatalf("second import: %v", err)
	}
	all, total, err := svc.FindMovies(ctx, hypertube.MovieFilter{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	if total != len(films) || len(all) != len(films) {
		t.Errorf("after two imports: %d rows, want %d", total, len(films))
	}
	for _, m := range all {
		if ids[m.InfoHash] != m.ID {
			t.Errorf("%s: id %d changed to %d", m.Title, ids[m.InfoHash], m.ID)
		}
	}
}

func TestImportReportsTheBadFilm(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, ":memory:", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	films := catalog.Builtin()
	films[1].InfoHash = "not a hash"
	err = catalog.Import(ctx, store.NewMovieService(db), films)
	if hypertube.ErrorCode(err) != hypertube.EINVALID || !strings.Contains(err.Error(), films[1].Title) {
		t.Errorf("Import error = %v, want EINVALID naming %q", err, films[1].Title)
	}
}
