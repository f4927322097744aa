package catalog_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/catalog"
)

func archiveRoutes(t *testing.T) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		switch r.URL.Path {
		case "/advancedsearch.php":
			if q.Get("output") != "json" || q.Get("sort[]") != "downloads desc" ||
				!slices.Equal(q["fl[]"], []string{"identifier", "title", "year", "description", "downloads", "subject"}) {
				t.Errorf("asked %v", q)
			}
			if strings.Contains(q.Get("q"), "title:broken") {
				answer(t, w, 200, "archive_search_error.json")
				return
			}
			answer(t, w, 200, "archive_search_page1.json")
		case "/metadata/night_of_the_living_dead":
			answer(t, w, 200, "archive_metadata_night.json")
		default:
			answer(t, w, 200, "archive_metadata_unknown.json")
		}
	}
}

func TestArchivePopular(t *testing.T) {
	srv := newFakeService(t, archiveRoutes(t))
	p := catalog.NewArchive(catalog.ArchiveConfig{BaseURL: srv.URL, Rows: 2})
	page, err := p.Popular(context.Background(), 3)
	if err != nil {
		t.Fatal(err)
	}
	q := srv.last().URL.Query()
	if q.Get("q") != "collection:feature_films AND mediatype:movies" || q.Get("rows") != "2" || q.Get("page") != "3" {
		t.Errorf("asked %v", q)
	}
	if page.TotalPages != 13522 || len(page.Films) != 2 {
		t.Fatalf("page = %+v, want 2 films (the bad identifier dropped) of 13522 pages", page)
	}
	n := page.Films[0]
	if n.ID != "night_of_the_living_dead" || n.Year != 1968 || n.Popularity != 3418227 ||
		n.Summary != "A group of people hide from bloodthirsty zombies in a farmhouse. George A. Romero's classic & debut." ||
		!slices.Equal(n.Genres, []string{"Horror"}) || len(n.Torrents) != 1 ||
		n.Torrents[0].TorrentURL != srv.URL+"/download/night_of_the_living_dead/night_of_the_living_dead_archive.torrent" {
		t.Errorf("Night of the Living Dead = %+v", n)
	}
	// Strings for numbers, lists for strings.
	if h := page.Films[1]; h.Title != "His Girl Friday" || h.Year != 1940 || h.Popularity != 1011234 ||
		!slices.Equal(h.Genres, []string{"Comedy"}) || !strings.HasPrefix(h.Summary, "A newspaper editor") {
		t.Errorf("His Girl Friday = %+v", h)
	}
}

func TestArchiveSearch(t *testing.T) {
	srv := newFakeService(t, archiveRoutes(t))
	p := catalog.NewArchive(catalog.ArchiveConfig{BaseURL: srv.URL})
	if _, err := p.Search(context.Background(), `Night of the "Living" Dead) OR *:*`, 1); err != nil {
		t.Fatal(err)
	}
	want := "collection:feature_films AND mediatype:movies AND title:night AND title:of AND title:the AND title:living AND title:dead AND title:or"
	if got := srv.last().URL.Query().Get("q"); got != want {
		t.Errorf("q = %q, want %q", got, want)
	}
	_, err := p.Search(context.Background(), "(*)", 1)
	wantError(t, err, hypertube.EINVALID, "letters or digits")
	_, err = p.Search(context.Background(), "broken", 1)
	wantError(t, err, hypertube.EUNAVAILABLE, "Internet Archive")
}

func TestArchiveDetails(t *testing.T) {
	srv := newFakeService(t, archiveRoutes(t))
	p := catalog.NewArchive(catalog.ArchiveConfig{BaseURL: srv.URL})
	f, err := p.Details(context.Background(), catalog.Ref{ID: "night_of_the_living_dead"})
	if err != nil {
		t.Fatal(err)
	}
	if f.IMDbID != "tt0063350" || f.Year != 1968 || f.Runtime != 95 || f.Summary != "A group of people hide from bloodthirsty zombies in a farmhouse." {
		t.Errorf("details = %+v", f)
	}
	r := f.Torrents[0]
	if r.InfoHash != "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678" || r.Size != 4743528624 || !strings.HasSuffix(r.TorrentURL, "_archive.torrent") {
		t.Errorf("torrent = %+v", r)
	}
	checkMagnet(t, r.Magnet, r.InfoHash, 2)

	_, err = p.Details(context.Background(), catalog.Ref{ID: "no_such_item"})
	wantError(t, err, hypertube.ENOTFOUND, "no_such_item")
	before := srv.count()
	_, err = p.Details(context.Background(), catalog.Ref{ID: "../../etc/passwd"})
	wantError(t, err, hypertube.EINVALID, "identifier")
	if srv.count() != before {
		t.Error("a bad identifier reached the server")
	}
}
