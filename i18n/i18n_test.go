package i18n_test

import (
	"regexp"
	"slices"
	"testing"

	"github.com/hypertube/hypertube/auth"
	"github.com/hypertube/hypertube/i18n"
)

func load(t *testing.T) *i18n.Catalog {
	t.Helper()
	c, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var placeholder = regexp.MustCompile(`\{[a-zA-Z]+\}`)

// TestCatalogsComplete fails when a key is missing from a language, or a
// translation lost or gained a placeholder: either shows on a page.
func TestCatalogsComplete(t *testing.T) {
	c := load(t)
	if got := c.Tags(); !slices.Equal(got, []string{"en", "es", "fr"}) {
		t.Errorf("Tags = %v; want en, es, fr", got)
	}
	english := c.Keys("en")
	for _, lang := range c.Tags() {
		keys := c.Keys(lang)
		for _, k := range english {
			if !slices.Contains(keys, k) {
				t.Errorf("%s.json lacks %q", lang, k)
			}
		}
		for _, k := range keys {
			if !slices.Contains(english, k) {
				t.Errorf("%s.json has %q, which en.json lacks", lang, k)
			}
		}
		for _, k := range keys {
			for _, n := range []int{0, 1, 2} {
				want := placeholders(c.N("en", k, n))
				if got := placeholders(c.N(lang, k, n)); !slices.Equal(got, want) {
					t.Errorf("%s %q (n=%d) has placeholders %v; English has %v", lang, k, n, got, want)
				}
			}
		}
	}
}

func placeholders(s string) []string {
	p := placeholder.FindAllString(s, -1)
	slices.Sort(p)
	return slices.Compact(p)
}

// TestPasswordReasonsTranslated keeps the catalogs in step with the keys
// auth gives for refused passwords.
func TestPasswordReasonsTranslated(t *testing.T) {
	c := load(t)
	for _, key := range []string{auth.PasswordTooShort, auth.PasswordTooLong, auth.PasswordCommon,
		auth.PasswordPersonal, auth.PasswordSimple, auth.PasswordRepetitive} {
		for _, lang := range c.Tags() {
			if !slices.Contains(c.Keys(lang), key) {
				t.Errorf("%s.json lacks %q", lang, key)
			}
		}
	}
	// The English catalog says exactly what auth says.
	for _, pw := range []string{"short", "password"} {
		err := auth.CheckPasswordStrength(pw).(*auth.PasswordError)
		if got := c.T("en", err.Key); got != err.Message {
			t.Errorf("en %q = %q; auth says %q", err.Key, got, err.Message)
		}
	}
}

func TestT(t *testing.T) {
	c := load(t)
	tests := []struct {
		lang, key string
		args      []any
		want      string
	}{
		{"en", "nav.home", nil, "Home"},
		{"fr", "nav.home", nil, "Accueil"},
		{"es", "auth.signin", nil, "Iniciar sesión"},
		{"fr-CA", "auth.signup", nil, "Créer un compte"},
		{"ES_mx", "nav.home", nil, "Inicio"},
		{"fr", "auth.welcome", []any{"name", "Zoé"}, "Bienvenue, Zoé !"},
		{"en", "auth.welcome", []any{"name", "{provider}"}, "Welcome, {provider}!"}, // values are not re-expanded
		{"en", "auth.welcome", nil, "Welcome, {name}!"},
		{"en", "auth.welcome", []any{"name"}, "Welcome, {name}!"},
		{"de", "nav.home", nil, "Home"}, // unknown language → English
		{"", "nav.home", nil, "Home"},   // none chosen → English
		{"fr", "no.such.key", nil, "no.such.key"},
		{"en", "films.count", nil, "{count} films"}, // a plural key through T gives "other"
	}
	for _, tt := range tests {
		if got := c.T(tt.lang, tt.key, tt.args...); got != tt.want {
			t.Errorf("T(%q, %q, %v) = %q; want %q", tt.lang, tt.key, tt.args, got, tt.want)
		}
	}
}

func TestN(t *testing.T) {
	c := load(t)
	tests := []struct {
		lang string
		n    int
		want string
	}{
		{"en", 0, "0 films"},
		{"en", 1, "1 film"},
		{"en", 2, "2 films"},
		{"en", 1000, "1000 films"},
		{"fr", 0, "0 film"},
		{"fr", 1, "1 film"},
		{"fr", 2, "2 films"},
		{"es", 0, "0 películas"},
		{"es", 1, "1 película"},
		{"es", 5, "5 películas"},
		{"de", 1, "1 film"}, // fallback to English, with English rules
	}
	for _, tt := range tests {
		if got := c.N(tt.lang, "films.count", tt.n); got != tt.want {
			t.Errorf("N(%q, films.count, %d) = %q; want %q", tt.lang, tt.n, got, tt.want)
		}
	}
	if got := c.N("fr", "comments.count", 0); got != "0 commentaire" {
		t.Errorf("N(fr, comments.count, 0) = %q", got)
	}
	if got := c.N("fr", "nav.home", 3); got != "Accueil" {
		t.Errorf("N on a non-plural key = %q; want its text", got)
	}
	if got := c.N("fr", "no.such.key", 3); got != "no.such.key" {
		t.Errorf("N on a missing key = %q; want the key", got)
	}
}

func TestPluralForm(t *testing.T) {
	tests := []struct {
		lang string
		n    int
		want string
	}{
		{"en", 0, "other"}, {"en", 1, "one"}, {"en", 2, "other"}, {"en", -1, "other"},
		{"es", 0, "other"}, {"es", 1, "one"}, {"es", 11, "other"},
		{"fr", 0, "one"}, {"fr", 1, "one"}, {"fr", 2, "other"}, {"fr-BE", 0, "one"},
	}
	for _, tt := range tests {
		if got := i18n.PluralForm(tt.lang, tt.n); got != tt.want {
			t.Errorf("PluralForm(%q, %d) = %q; want %q", tt.lang, tt.n, got, tt.want)
		}
	}
}

func TestLanguages(t *testing.T) {
	got := load(t).Languages()
	want := []i18n.Language{{"en", "English"}, {"es", "Español"}, {"fr", "Français"}}
	if !slices.Equal(got, want) {
		t.Errorf("Languages = %v; want %v", got, want)
	}
}

func TestNegotiate(t *testing.T) {
	supported := []string{"en", "es", "fr"}
	tests := []struct {
		name                    string
		profile, cookie, accept string
		want                    string
	}{
		{"nothing known", "", "", "", "en"},
		{"profile wins", "es", "fr", "fr-FR,fr;q=0.9", "es"},
		{"cookie next", "", "fr", "es", "fr"},
		{"regional profile", "fr-CA", "", "", "fr"},
		{"unsupported profile falls through", "de", "es", "fr", "es"},
		{"garbage cookie falls through", "", "<script>", "fr", "fr"},
		{"accept-language", "", "", "fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7", "fr"},
		{"q-values order", "", "", "en;q=0.3, es;q=0.9, fr;q=0.5", "es"},
		{"first supported of several", "", "", "de-DE, it;q=0.9, es-MX;q=0.8, en;q=0.5", "es"},
		{"q=0 refuses", "", "", "fr;q=0, es;q=0.1", "es"},
		{"regional accept", "", "", "es-419", "es"},
		{"nothing supported", "", "", "ja, zh-CN;q=0.8", "en"},
		{"wildcard", "", "", "*", "en"},
		{"malformed header", "", "", "fr;q=abc;;;,,", "en"},
	}
	for _, tt := range tests {
		if got := i18n.Negotiate(tt.profile, tt.cookie, tt.accept, supported); got != tt.want {
			t.Errorf("%s: Negotiate(%q, %q, %q) = %q; want %q", tt.name, tt.profile, tt.cookie, tt.accept, got, tt.want)
		}
	}
	if got := i18n.Negotiate("fr", "", "", nil); got != "en" {
		t.Errorf("Negotiate with no supported languages = %q; want en", got)
	}
}
