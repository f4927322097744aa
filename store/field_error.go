package store

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hypertube/hypertube"
)

// Fields of an account that a FieldError can point at. They are the names of
// the profile form's inputs.
const (
	FieldUsername  = "username"
	FieldEmail     = "email"
	FieldFirstName = "first_name"
	FieldLastName  = "last_name"
	FieldLanguage  = "language"
	FieldPicture   = "picture"
)

// Keys of the reasons an account is refused. They are stable so that pages
// can translate them; Message is the English text.
const (
	KeyUsernameLength  = "account.usernameLength"
	KeyUsernameChars   = "account.usernameChars"
	KeyUsernameTaken   = "account.usernameTaken"
	KeyEmailMissing    = "account.emailMissing"
	KeyEmailInvalid    = "account.emailInvalid"
	KeyEmailTaken      = "account.emailTaken"
	KeyNameTooLong     = "account.nameTooLong"
	KeyNameInvalid     = "account.nameInvalid"
	KeyLanguageInvalid = "account.languageInvalid"
	KeyPictureInvalid  = "account.pictureInvalid"
)

const (
	maxUsernameLen      = 30
	minUsernameLen      = 3
	maxEmailLen         = 254 // RFC 5321's limit on a path
	maxNameLen          = 100
	maxLanguageLen      = 16
	maxPictureLen       = 255
	maxPasswordHashLen  = 1024
	maxProviderLen      = 512 // an OIDC issuer is a URL
	maxSubjectLen       = 255
	maxIdentityEmailLen = 320
)

var fieldMessages = map[string]string{
	KeyUsernameLength:  "A username is 3 to 30 characters long.",
	KeyUsernameChars:   "A username may only use the letters a to z, digits, dots, dashes and underscores.",
	KeyUsernameTaken:   "This username is already taken.",
	KeyEmailMissing:    "Please enter your email address.",
	KeyEmailInvalid:    "Please enter an email address such as name@example.com, without a name around it.",
	KeyEmailTaken:      "An account already uses this email address.",
	KeyNameTooLong:     "A name is 100 characters at most.",
	KeyNameInvalid:     "A name cannot contain control characters.",
	KeyLanguageInvalid: "This language is not one we know.",
	KeyPictureInvalid:  "This picture cannot be used.",
}

// FieldError says which field of an account was refused and why, so that a
// form can show the reason next to it. errors.As finds an *hypertube.Error
// with the same Code and Message behind it, so handlers that only know the
// domain error still answer with the right status and text.
type FieldError struct {
	Code    string // hypertube.EINVALID or hypertube.ECONFLICT
	Field   string // one of the Field… constants
	Key     string // one of the Key… constants, for translation
	Message string // English
}

func (e *FieldError) Error() string { return e.Message }

func (e *FieldError) Unwrap() error {
	return &hypertube.Error{Code: e.Code, Message: e.Message}
}

func fieldError(code, field, key string) *FieldError {
	return &FieldError{Code: code, Field: field, Key: key, Message: fieldMessages[key]}
}

func invalid(field, key string) *FieldError { return fieldError(hypertube.EINVALID, field, key) }

// validateUser checks u and trims its texts in place.
func validateUser(u *hypertube.User) error {
	if u == nil {
		return hypertube.Errorf(hypertube.EINVALID, "No account given.")
	}
	u.Username = strings.TrimSpace(u.Username)
	u.Email = strings.TrimSpace(u.Email)
	u.FirstName = strings.TrimSpace(u.FirstName)
	u.LastName = strings.TrimSpace(u.LastName)
	u.Language = strings.TrimSpace(u.Language)

	if err := validateUsername(u.Username); err != nil {
		return err
	}
	if err := validateEmail(u.Email); err != nil {
		return err
	}
	for _, name := range []struct{ field, value string }{
		{FieldFirstName, u.FirstName},
		{FieldLastName, u.LastName},
	} {
		switch {
		case !isPrintable(name.value):
			return invalid(name.field, KeyNameInvalid)
		case utf8.RuneCountInString(name.value) > maxNameLen:
			return invalid(name.field, KeyNameTooLong)
		}
	}
	// Which languages exist is the web's business; this only keeps the
	// column small and clean.
	if len(u.Language) > maxLanguageLen || !isPrintable(u.Language) {
		return invalid(FieldLanguage, KeyLanguageInvalid)
	}
	// The picture is a file name under the data directory: a separator or a
	// dot-dot would let it point elsewhere.
	if p := u.Picture; len(p) > maxPictureLen || !isPrintable(p) || p == "." || p == ".." ||
		strings.ContainsAny(p, `/\`) {
		return invalid(FieldPicture, KeyPictureInvalid)
	}
	if len(u.PasswordHash) > maxPasswordHashLen || !isPrintable(u.PasswordHash) {
		return hypertube.Errorf(hypertube.EINVALID, "The password hash is malformed.")
	}
	return nil
}

func validateUsername(s string) error {
	// Characters first: a name in another script is refused for what it
	// holds, whatever its length in bytes.
	if !isUsernameChars(s) {
		return invalid(FieldUsername, KeyUsernameChars)
	}
	if len(s) < minUsernameLen || len(s) > maxUsernameLen {
		return invalid(FieldUsername, KeyUsernameLength)
	}
	return nil
}

// isUsernameChars keeps usernames to ASCII so that lowercasing is the whole
// of case folding and no two names look alike in different scripts.
func isUsernameChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

func validateEmail(s string) error {
	if s == "" {
		return invalid(FieldEmail, KeyEmailMissing)
	}
	if len(s) > maxEmailLen || !isPrintable(s) {
		return invalid(FieldEmail, KeyEmailInvalid)
	}
	// Address == s refuses display names, angle brackets and comments:
	// what is stored is exactly what mail will be sent to.
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		return invalid(FieldEmail, KeyEmailInvalid)
	}
	return nil
}

// isPrintable reports whether s is valid UTF-8 without control characters.
// PostgreSQL refuses invalid UTF-8 and NUL where SQLite would store them:
// checking here makes both databases answer alike.
func isPrintable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// foldKey is the case-insensitive form of a username or email address.
func foldKey(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
