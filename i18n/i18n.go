// Package i18n translates the site's texts. Catalogs are JSON files embedded
// from locales/, one per language, named by its tag (en.json, fr.json, …).
//
// A catalog maps a key to a text, or, for texts that depend on a count, to
// an object of plural forms ("one", "other"). Texts use named placeholders,
// {name}, rather than fmt verbs, so translators can reorder them and see
// what each one stands for:
//
//	c.T("fr", "auth.welcome", "name", "Zoé")  // "Bienvenue, Zoé !"
//	c.N("fr", "films.count", 0)               // "0 film"
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/text/language"
)

// Fallback is the language used when a text is missing in the chosen one.
const Fallback = "en"

//go:embed locales/*.json
var locales embed.FS

// Catalog holds every language's texts. It is read-only once loaded, so it
// is safe for concurrent use.
type Catalog struct {
	langs map[string]map[string]entry
}

// entry is one key's text, or its plural forms when forms is not nil.
type entry struct {
	text  string
	forms map[string]string
}

func (e *entry) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &e.text); err == nil {
		return nil
	}
	if err := json.Unmarshal(b, &e.forms); err != nil {
		return fmt.Errorf("want a text or an object of plural forms: %w", err)
	}
	for cat := range e.forms {
		if cat != "one" && cat != "other" {
			return fmt.Errorf("unknown plural form %q (want one, other)", cat)
		}
	}
	return nil
}

// Load reads the embedded catalogs.
func Load() (*Catalog, error) {
	files, err := locales.ReadDir("locales")
	if err != nil {
		return nil, err
	}
	c := &Catalog{langs: map[string]map[string]entry{}}
	for _, f := range files {
		tag, ok := strings.CutSuffix(f.Name(), ".json")
		if !ok {
			continue
		}
		b, err := locales.ReadFile(path.Join("locales", f.Name()))
		if err != nil {
			return nil, err
		}
		var entries map[string]entry
		if err := json.Unmarshal(b, &entries); err != nil {
			return nil, fmt.Errorf("i18n: locales/%s: %w", f.Name(), err)
		}
		c.langs[tag] = entries
	}
	if c.langs[Fallback] == nil {
		return nil, fmt.Errorf("i18n: no %s catalog", Fallback)
	}
	return c, nil
}

// Language is one language the site speaks, named in that language.
type Language struct {
	Tag  string // "fr"
	Name string // "Français"
}

// Languages lists the catalogs, English first, then by tag.
func (c *Catalog) Languages() []Language {
	var ls []Language
	for _, tag := range c.Tags() {
		ls = append(ls, Language{Tag: tag, Name: c.T(tag, "language.name")})
	}
	return ls
}

// Tags lists the catalogs' tags, English first, then in order: the
// supported list for Negotiate.
func (c *Catalog) Tags() []string {
	var tags []string
	for tag := range c.langs {
		if tag != Fallback {
			tags = append(tags, tag)
		}
	}
	slices.Sort(tags)
	return append([]string{Fallback}, tags...)
}

// Keys lists every key of lang's catalog, sorted.
func (c *Catalog) Keys(lang string) []string {
	var keys []string
	for k := range c.langs[base(lang)] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// T returns the text of key in lang with its placeholders filled from args,
// given as name, value pairs. A key missing in lang is taken from English,
// and a key missing there too is returned as is, so a gap shows on the page
// instead of breaking it.
func (c *Catalog) T(lang, key string, args ...any) string {
	e, ok := c.lookup(lang, key)
	if !ok {
		return key
	}
	text := e.text
	if e.forms != nil {
		text = e.forms["other"]
	}
	return fill(text, args)
}

// N returns the plural form of key that suits n in lang, with {count} set
// to n and the other placeholders from args as in T.
func (c *Catalog) N(lang, key string, n int, args ...any) string {
	args = append([]any{"count", n}, args...)
	lang = base(lang)
	for _, l := range []string{lang, Fallback} {
		e, ok := c.langs[l][key]
		if !ok {
			continue
		}
		if e.forms == nil {
			return fill(e.text, args)
		}
		if text, ok := e.forms[PluralForm(l, n)]; ok {
			return fill(text, args)
		}
		if text, ok := e.forms["other"]; ok {
			return fill(text, args)
		}
	}
	return key
}

// PluralForm returns the CLDR plural category of n in lang: "one" or
// "other". French counts 0 as singular ("0 film"), English and Spanish do
// not ("0 films", "0 películas").
func PluralForm(lang string, n int) string {
	switch base(lang) {
	case "fr":
		if n == 0 || n == 1 {
			return "one"
		}
	default: // en, es, and the fallback for any other language
		if n == 1 {
			return "one"
		}
	}
	return "other"
}

func (c *Catalog) lookup(lang, key string) (entry, bool) {
	if e, ok := c.langs[base(lang)][key]; ok {
		return e, true
	}
	e, ok := c.langs[Fallback][key]
	return e, ok
}

// base reduces "fr-CA" or "fr_ca" to "fr", the granularity of the catalogs.
func base(lang string) string {
	lang = strings.ToLower(strings.TrimSpace(lang))
	if i := strings.IndexAny(lang, "-_"); i >= 0 {
		lang = lang[:i]
	}
	return lang
}

// fill replaces each {name} in text by the value given for name in args.
func fill(text string, args []any) string {
	if len(args) < 2 || !strings.Contains(text, "{") {
		return text
	}
	pairs := make([]string, 0, len(args))
	for i := 0; i+1 < len(args); i += 2 {
		name, ok := args[i].(string)
		if !ok {
			continue
		}
		pairs = append(pairs, "{"+name+"}", format(args[i+1]))
	}
	return strings.NewReplacer(pairs...).Replace(text)
}

func format(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	default:
		return fmt.Sprint(v)
	}
}

// Negotiate picks the language to show: the one in the person's profile,
// else the one chosen earlier (cookie), else the best match for the
// browser's Accept-Language, else English. Regional variants match their
// language ("fr-CA" → "fr").
func Negotiate(profileLang, cookieLang, acceptLanguage string, supported []string) string {
	if len(supported) == 0 {
		return Fallback
	}
	tags := make([]language.Tag, 0, len(supported))
	for _, s := range supported {
		tags = append(tags, language.Make(s))
	}
	matcher := language.NewMatcher(tags)
	pick := func(wanted ...language.Tag) (string, bool) {
		if len(wanted) == 0 {
			return "", false
		}
		_, i, conf := matcher.Match(wanted...)
		if conf < language.High {
			return "", false
		}
		return supported[i], true
	}
	for _, l := range []string{profileLang, cookieLang} {
		if l = strings.TrimSpace(l); l == "" {
			continue
		}
		if t, err := language.Parse(l); err == nil {
			if s, ok := pick(t); ok {
				return s
			}
		}
	}
	// The header comes from the client: a very long one is not worth parsing.
	if len(acceptLanguage) <= 1024 {
		if wanted, _, err := language.ParseAcceptLanguage(acceptLanguage); err == nil {
			if s, ok := pick(wanted...); ok {
				return s
			}
		}
	}
	return Fallback
}
