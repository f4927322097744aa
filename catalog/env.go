package catalog

import (
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
)

// ProvidersFromEnv returns the providers that the environment switches on,
// built-in first:
//
//	HYPERTUBE_TMDB_API_KEY or HYPERTUBE_TMDB_TOKEN  TMDB (v3 key or v4 bearer token)
//	HYPERTUBE_OMDB_API_KEY                          OMDb
//	HYPERTUBE_YTS_URL                               YTS, at that mirror
//	HYPERTUBE_ARCHIVE=true                          the Internet Archive
//
// The built-in films are always there. client may be nil.
func ProvidersFromEnv(getenv func(string) string, client *http.Client) []Provider {
	client = defaultClient(client)
	providers := []Provider{BuiltinProvider{}}
	if key, token := getenv("HYPERTUBE_TMDB_API_KEY"), getenv("HYPERTUBE_TMDB_TOKEN"); key != "" || token != "" {
		providers = append(providers, NewTMDB(TMDBConfig{APIKey: key, Token: token, Client: client}))
	}
	if key := getenv("HYPERTUBE_OMDB_API_KEY"); key != "" {
		providers = append(providers, NewOMDb(OMDbConfig{APIKey: key, Client: client}))
	}
	if base := getenv("HYPERTUBE_YTS_URL"); base != "" {
		if u, err := url.Parse(base); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			slog.Warn("catalog: HYPERTUBE_YTS_URL is not a web address; YTS stays off", "value", base)
		} else {
			providers = append(providers, NewYTS(YTSConfig{BaseURL: base, Client: client}))
		}
	}
	if v := getenv("HYPERTUBE_ARCHIVE"); v != "" {
		on, err := strconv.ParseBool(v)
		if err != nil {
			slog.Warn("catalog: HYPERTUBE_ARCHIVE is not true or false; the Internet Archive stays off", "value", v)
		}
		if on {
			providers = append(providers, NewArchive(ArchiveConfig{Client: client}))
		}
	}
	return providers
}
