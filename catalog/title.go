package catalog

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// TitleKey reduces a title to what stays the same however a source or a
// release name writes it: lower case, accents and punctuation gone,
// articles dropped, Roman numerals of sequels as digits, and no spaces, so
// that "WALL·E", "Wall-E" and "WALL E" agree, as do "Ocean's Eleven" and
// "Oceans.Eleven". Two films are the same when their keys and years are.
func TitleKey(title string) string {
	words := TitleWords(title)
	return strings.Join(words, "")
}

// TitleWords is TitleKey before the words are joined.
func TitleWords(title string) []string {
	var b strings.Builder
	for _, r := range norm.NFKD.String(title) {
		switch {
		case unicode.Is(unicode.Mn, r): // accents, once decomposed
		case r == '\'' || r == '’' || r == '`' || r == '´':
			// "Ocean's" and release names' "Oceans" must agree.
		case r == '&':
			b.WriteString(" and ")
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if s, ok := ligatures[r]; ok {
				b.WriteString(s)
			} else {
				b.WriteRune(unicode.ToLower(r))
			}
		default:
			b.WriteByte(' ')
		}
	}
	fields := joinInitials(strings.Fields(b.String()))
	words := fields[:0]
	for i, w := range fields {
		if englishArticles[w] && len(fields) > 1 {
			continue
		}
		if i == 0 && leadingArticles[w] && len(fields) > 1 {
			continue
		}
		if d, ok := romanNumerals[w]; ok && i > 0 {
			w = d
		}
		words = append(words, w)
	}
	return words
}

// Letters that NFKD leaves whole.
var ligatures = map[rune]string{
	'æ': "ae", 'Æ': "ae", 'œ': "oe", 'Œ': "oe", 'ß': "ss", 'ø': "o", 'Ø': "o",
	'ł': "l", 'Ł': "l", 'đ': "d", 'Đ': "d", 'ð': "d", 'þ': "th",
}

var englishArticles = map[string]bool{"the": true, "a": true, "an": true}

// leadingArticles are dropped only at the start, where they are articles
// rather than words. German "die" is not one of them: "Die Hard".
var leadingArticles = map[string]bool{
	"le": true, "la": true, "les": true, "el": true, "los": true, "las": true,
	"il": true, "lo": true, "gli": true, "der": true, "das": true, "den": true,
}

// romanNumerals maps the numerals of sequels; I, V and X are left alone,
// being words or letters more often than numbers.
var romanNumerals = map[string]string{
	"ii": "2", "iii": "3", "iv": "4", "vi": "6", "vii": "7", "viii": "8", "ix": "9",
}

// joinInitials makes one word of a run of single letters, so that "L.A."
// and "LA", "S.W.A.T." and "SWAT" agree, and the "a" of "L.A." is not
// taken for an article.
func joinInitials(fields []string) []string {
	out := fields[:0]
	for i := 0; i < len(fields); i++ {
		j := i
		for j < len(fields) && len([]rune(fields[j])) == 1 && unicode.IsLetter([]rune(fields[j])[0]) {
			j++
		}
		if j-i >= 2 {
			out = append(out, strings.Join(fields[i:j], ""))
			i = j - 1
			continue
		}
		out = append(out, fields[i])
	}
	return out
}
