package auth

import (
	"bufio"
	_ "embed"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/hypertube/hypertube"
)

// Password length bounds, counted in characters. 128 leaves room for pass
// phrases while keeping hashing requests small.
const (
	MinPasswordLength = 8
	MaxPasswordLength = 128
)

// Keys of the reasons CheckPasswordStrength refuses a password. They are
// stable so that pages can translate the reason; Message is the English text.
const (
	PasswordTooShort   = "password.tooShort"
	PasswordTooLong    = "password.tooLong"
	PasswordCommon     = "password.common"
	PasswordPersonal   = "password.personal"
	PasswordSimple     = "password.simple"
	PasswordRepetitive = "password.repetitive"
)

// PasswordError says why a password was refused. errors.As finds an
// *hypertube.Error with code EINVALID and the same Message behind it, so
// handlers that only know the domain error still answer 400 with the text.
type PasswordError struct {
	Key     string
	Message string
}

func (e *PasswordError) Error() string { return e.Message }

func (e *PasswordError) Unwrap() error {
	return &hypertube.Error{Code: hypertube.EINVALID, Message: e.Message}
}

var passwordMessages = map[string]string{
	PasswordTooShort:   "Your password must be at least 8 characters long.",
	PasswordTooLong:    "Your password must be at most 128 characters long.",
	PasswordCommon:     "This password is too common and easy to guess. Please choose another one.",
	PasswordPersonal:   "Your password must not contain your name, username or email address.",
	PasswordSimple:     "Mix letters with digits, capitals or symbols, or use 16 characters or more.",
	PasswordRepetitive: "Your password repeats the same few characters. Please use more different ones.",
}

func passwordError(key string) *PasswordError {
	return &PasswordError{Key: key, Message: passwordMessages[key]}
}

// CheckPasswordStrength returns nil when pw is acceptable for a new account,
// else a *PasswordError. personal lists what an attacker would try first:
// username, email, first and last name; none may appear inside pw.
func CheckPasswordStrength(pw string, personal ...string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLength:
		return passwordError(PasswordTooShort)
	case n > MaxPasswordLength:
		return passwordError(PasswordTooLong)
	}
	lower := strings.ToLower(pw)
	if isCommonPassword(lower) {
		return passwordError(PasswordCommon)
	}
	for _, word := range personalWords(personal) {
		if strings.Contains(lower, word) {
			return passwordError(PasswordPersonal)
		}
	}
	if n < 16 && characterClasses(pw) < 2 {
		return passwordError(PasswordSimple)
	}
	if distinctRunes(lower) < 5 {
		return passwordError(PasswordRepetitive)
	}
	return nil
}

//go:embed common-passwords.txt
var commonPasswordsText string

var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, 17000)
	sc := bufio.NewScanner(strings.NewReader(commonPasswordsText))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			set[line] = struct{}{}
		}
	}
	return set
})

// isCommonPassword checks lower, then lower without trailing digits and
// symbols ("dragon2024!"), each also with look-alike swaps undone
// ("p@ssw0rd"): people dress up a common word that way and cracking tools
// try exactly those variants first.
func isCommonPassword(lower string) bool {
	set := commonPasswords()
	stripped := strings.TrimRightFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) })
	symbolsOnly := strings.TrimRightFunc(lower, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	for _, s := range []string{lower, symbolsOnly, stripped} {
		for _, v := range []string{s, leetI.Replace(s), leetL.Replace(s)} {
			if _, ok := set[v]; ok {
				return true
			}
		}
	}
	return false
}

// "1" stands for both "i" and "l" ("1loveyou", "he11o"), hence two.
var (
	leetI = strings.NewReplacer("@", "a", "4", "a", "3", "e", "1", "i", "!", "i", "0", "o",
		"$", "s", "5", "s", "7", "t", "+", "t")
	leetL = strings.NewReplacer("@", "a", "4", "a", "3", "e", "1", "l", "!", "i", "0", "o",
		"$", "s", "5", "s", "7", "t", "+", "t")
)

// personalWords splits names and emails into lower-case words worth
// looking for. Words shorter than 3 characters ("Al", "Li") would refuse too
// many good passwords by accident, so they are left out.
func personalWords(personal []string) []string {
	var words []string
	add := func(w string) {
		if utf8.RuneCountInString(w) >= 3 {
			words = append(words, w)
		}
	}
	for _, p := range personal {
		p = strings.ToLower(strings.TrimSpace(p))
		if local, _, ok := strings.Cut(p, "@"); ok {
			p = local
		}
		add(p)
		parts := strings.FieldsFunc(p, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		if len(parts) > 1 {
			for _, part := range parts {
				add(part)
			}
		}
	}
	return words
}

func characterClasses(pw string) int {
	var lower, upper, digit, other bool
	for _, r := range pw {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	n := 0
	for _, b := range []bool{lower, upper, digit, other} {
		if b {
			n++
		}
	}
	return n
}

func distinctRunes(s string) int {
	seen := map[rune]struct{}{}
	for _, r := range s {
		seen[r] = struct{}{}
	}
	return len(seen)
}
