package catalog

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/hypertube/hypertube"
)

// SourceBuiltin is the Source of the films that ship with Hypertube.
const SourceBuiltin = "builtin"

// builtin.json lists films that may be shared freely: the Blender
// Foundation's open movies, as WebTorrent lists them, and public-domain
// features from the Internet Archive. Only info hashes checked against a
// published magnet or .torrent file belong there.
//
//go:embed builtin.json
var builtinJSON []byte

type builtinMovie struct {
	Title    string   `json:"title"`
	Year     int      `json:"year"`
	Summary  string   `json:"summary"`
	Runtime  int      `json:"runtime"`
	Genres   []string `json:"genres"`
	ImdbID   string   `json:"imdbId"`
	Poster   string   `json:"poster"`
	Rating   float64  `json:"rating"`
	InfoHash string   `json:"infoHash"`
	Magnet   string   `json:"magnet"`
}

// Builtin returns the films that ship with Hypertube, a fresh copy on each
// call.
func Builtin() []hypertube.Movie {
	var list []builtinMovie
	dec := json.NewDecoder(bytes.NewReader(builtinJSON))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&list); err != nil {
		// The file is compiled in and checked by the tests.
		panic(fmt.Sprintf("catalog: builtin.json: %v", err))
	}
	movies := make([]hypertube.Movie, len(list))
	for i, b := range list {
		movies[i] = hypertube.Movie{
			Title:    b.Title,
			Year:     b.Year,
			Summary:  b.Summary,
			Poster:   b.Poster,
			ImdbID:   b.ImdbID,
			Runtime:  b.Runtime,
			Genres:   b.Genres,
			Rating:   b.Rating,
			Source:   SourceBuiltin,
			InfoHash: b.InfoHash,
			Magnet:   b.Magnet,
		}
	}
	return movies
}
