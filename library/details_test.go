package library_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/catalog"
)

func TestDetails(t *testing.T) {
	ctx := context.Background()
	omdb := &fakeProvider{Source: catalog.SourceOMDb, Known: map[string]catalog.Film{
		"tt0083658": {IMDbID: "tt0083658", Title: "Blade Runner", Year: 1982, Rating: 8.1, Director: "Ridley Scott",
			Runtime: 117, Summary: "A blade runner must pursue four replicants.", Sources: []string{catalog.SourceOMDb}},
	}}
	tmdb := &fakeProvider{Source: catalog.SourceTMDB, Known: map[string]catalog.Film{
		"tt0083658": {IMDbID: "tt0083658", TMDbID: 78, Title: "Blade Runner", Year: 1982, Rating: 7.9, Director: "R. Scott",
			Summary: "TMDB's summary.", PosterURL: "https://image.tmdb.org/t/p/w500/br.jpg",
			Cast: []string{"Harrison Ford", "Rutger Hauer"}, Producers: []string{"Michael Deeley"}, Sources: []string{catalog.SourceTMDB}},
	}}
	// OMDb, asked by title, may answer about a namesake: left out.
	namesake := &fakeProvider{Source: catalog.SourceArchive, Known: map[string]catalog.Film{
		"tt0083658": {IMDbID: "tt9999999", Title: "Blade Runner", Year: 1982, Director: "Someone Else", Sources: []string{catalog.SourceArchive}},
	}}
	e := newService(t, omdb, tmdb, namesake)
	m := bladeRunner(t, e)
	m.Rating = 7.9 // as TMDB's list said
	if err := e.movies.UpdateMovie(ctx, m); err != nil {
		t.Fatal(err)
	}

	got, err := e.svc.Details(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := e.movies.FindMovieByID(ctx, m.ID)
	for _, g := range []*hypertube.Movie{got, stored} {
		if g.Rating != 8.1 || g.Director != "Ridley Scott" || g.Runtime != 117 || g.Summary != "A blade runner must pursue four replicants." {
			t.Errorf("rating %g, director %q, runtime %d, summary %q; want OMDb's", g.Rating, g.Director, g.Runtime, g.Summary)
		}
		if !slices.Equal(g.Cast, []string{"Harrison Ford", "Rutger Hauer"}) || !slices.Equal(g.Producers, []string{"Michael Deeley"}) || g.Poster == "" {
			t.Errorf("cast %q, producers %q, poster %q; want TMDB's, which OMDb lacks", g.Cast, g.Producers, g.Poster)
		}
	}

	// Asked once per TTL.
	if _, err := e.svc.Details(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	if omdb.Calls("") != 1 || tmdb.Calls("") != 1 {
		t.Errorf("calls: omdb %v, tmdb %v; want one each", omdb.CallLog(), tmdb.CallLog())
	}
	e.clock.Add(7 * time.Hour)
	if _, err := e.svc.Details(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	if omdb.Calls("") != 2 {
		t.Errorf("after the TTL: omdb %v; want asked again", omdb.CallLog())
	}

	if _, err := e.svc.Details(ctx, m.ID+100); hypertube.ErrorCode(err) != hypertube.ENOTFOUND {
		t.Errorf("unknown film: err = %v; want ENOTFOUND", err)
	}
}

func TestDetailsProviderFails(t *testing.T) {
	ctx := context.Background()
	failing := &fakeProvider{Source: catalog.SourceOMDb, Err: hypertube.Errorf(hypertube.EUNAVAILABLE, "OMDb is down.")}
	e := newService(t, failing)
	m := bladeRunner(t, e)
	got, err := e.svc.Details(ctx, m.ID)
	if err != nil || got.Title != "Blade Runner" {
		t.Fatalf("Details = %+v, %v; want the film as stored", got, err)
	}
	// Not marked as done: asked again once the provider is given another chance.
	e.clock.Add(time.Minute)
	if _, err := e.svc.Details(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	if failing.Calls("details") != 2 {
		t.Errorf("calls %v; want the failed provider asked again", failing.CallLog())
	}
}
