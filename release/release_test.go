package release_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hypertube/hypertube/release"
)

type row struct {
	name                                  string
	film                                  string
	ok                                    bool
	title                                 string
	year                                  int
	quality, codec, source, group, tagged string
}

// want is the Info a row expects.
func (r row) want(t *testing.T) release.Info {
	info := release.Info{Title: r.title, Year: r.year, Quality: r.quality, Codec: r.codec, Source: r.source, Group: r.group}
	tags := strings.Fields(r.tagged)
	for i := 0; i < len(tags); i++ {
		tag := tags[i]
		key, value, _ := strings.Cut(tag, "=")
		if key == "audio" || key == "edition" {
			// These values hold spaces: they run to the next tag.
			for i+1 < len(tags) && !strings.Contains(tags[i+1], "=") && !isFlag(tags[i+1]) {
				i++
				value += " " + tags[i]
			}
		}
		switch key {
		case "sample":
			info.Sample = true
		case "trailer":
			info.Trailer = true
		case "extras":
			info.Extras = true
		case "remux":
			info.Remux = true
		case "proper":
			info.Proper = true
		case "repack":
			info.Repack = true
		case "lang":
			info.Languages = strings.Split(value, ",")
		case "audio":
			info.Audio = value
		case "edition":
			info.Edition = value
		case "ext":
			info.Container = value
		case "imdb":
			info.IMDbID = value
		default:
			if _, err := fmt.Sscanf(key, "S%dE%d", &info.Season, &info.Episode); err != nil {
				if _, err := fmt.Sscanf(key, "S%d", &info.Season); err != nil {
					t.Fatalf("%s: unknown tag %q", r.name, tag)
				}
			}
		}
	}
	return info
}

func isFlag(s string) bool {
	return slices.Contains([]string{"sample", "trailer", "extras", "remux", "proper", "repack"}, s) || strings.HasPrefix(s, "S") && len(s) <= 6 && strings.ContainsAny(s, "0123456789")
}

func diff(got, want release.Info) []string {
	var d []string
	check := func(field string, g, w any) {
		if fmt.Sprint(g) != fmt.Sprint(w) {
			d = append(d, fmt.Sprintf("%s = %q, want %q", field, fmt.Sprint(g), fmt.Sprint(w)))
		}
	}
	check("Title", got.Title, want.Title)
	check("Year", got.Year, want.Year)
	check("Quality", got.Quality, want.Quality)
	check("Codec", got.Codec, want.Codec)
	check("Source", got.Source, want.Source)
	check("Group", got.Group, want.Group)
	check("Audio", got.Audio, want.Audio)
	check("Languages", got.Languages, want.Languages)
	check("Edition", got.Edition, want.Edition)
	check("Container", got.Container, want.Container)
	check("IMDbID", got.IMDbID, want.IMDbID)
	check("Sample", got.Sample, want.Sample)
	check("Trailer", got.Trailer, want.Trailer)
	check("Extras", got.Extras, want.Extras)
	check("Season", got.Season, want.Season)
	check("Episode", got.Episode, want.Episode)
	check("Remux", got.Remux, want.Remux)
	check("Proper", got.Proper, want.Proper)
	check("Repack", got.Repack, want.Repack)
	return d
}

// TestParseAndMatchTable measures the engine on the table: every row must
// parse to the expected Info and match (or not) its film.
func TestParseAndMatchTable(t *testing.T) {
	if len(table) < 120 {
		t.Fatalf("the table has %d rows, want at least 120", len(table))
	}
	parsed, matched, both := 0, 0, 0
	for _, r := range table {
		film, ok := films[r.film]
		if !ok {
			t.Fatalf("%s: no film %q", r.name, r.film)
		}
		got := release.Parse(r.name)
		d := diff(got, r.want(t))
		for _, line := range d {
			t.Errorf("Parse(%q): %s", r.name, line)
		}
		score, okMatch, why := release.Match(got, film)
		if okMatch != r.ok {
			t.Errorf("Match(%q, %s %d) = %v (%s), want %v", r.name, film.Title, film.Year, okMatch, why, r.ok)
		}
		if why == "" || (okMatch && (score <= 0 || score > 1)) || (!okMatch && score != 0) {
			t.Errorf("Match(%q) = score %v, why %q", r.name, score, why)
		}
		if len(d) == 0 {
			parsed++
		}
		if okMatch == r.ok {
			matched++
		}
		if len(d) == 0 && okMatch == r.ok {
			both++
		}
	}
	n := float64(len(table))
	t.Logf("release names: %d; parsed exactly: %d (%.1f %%); matched correctly: %d (%.1f %%); both: %d (%.1f %%)",
		len(table), parsed, 100*float64(parsed)/n, matched, 100*float64(matched)/n, both, 100*float64(both)/n)
}
