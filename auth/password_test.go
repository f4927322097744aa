package auth_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/auth"
	"golang.org/x/crypto/argon2"
)

func TestHashPasswordRoundTrip(t *testing.T) {
	hash, err := auth.HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=65536,t=1,p=2$") {
		t.Errorf("hash %q is not an argon2id PHC string with the expected parameters", hash)
	}
	if strings.Contains(hash, "correct horse") {
		t.Errorf("hash %q contains the password", hash)
	}
	ok, err := auth.CheckPassword(hash, "correct horse battery staple")
	if err != nil || !ok {
		t.Errorf("CheckPassword(right password) = %v, %v; want true, nil", ok, err)
	}
	for _, wrong := range []string{"", "correct horse battery stapl", "Correct horse battery staple"} {
		ok, err := auth.CheckPassword(hash, wrong)
		if err != nil || ok {
			t.Errorf("CheckPassword(%q) = %v, %v; want false, nil", wrong, ok, err)
		}
	}
	if auth.NeedsRehash(hash) {
		t.Error("a fresh hash needs rehash")
	}
	again, _ := auth.HashPassword("correct horse battery staple")
	if again == hash {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
}

func TestCheckPasswordReadsOtherParameters(t *testing.T) {
	// A PHC string made outside the package with other parameters, as an
	// older release or another tool would: it must keep working.
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte("s3cret-Phrase"), salt, 2, 19456, 1, 32)
	b64 := base64.RawStdEncoding
	hash := "$argon2id$v=19$m=19456,t=2,p=1$" + b64.EncodeToString(salt) + "$" + b64.EncodeToString(key)
	if ok, err := auth.CheckPassword(hash, "s3cret-Phrase"); err != nil || !ok {
		t.Errorf("CheckPassword = %v, %v; want true, nil", ok, err)
	}
	if ok, err := auth.CheckPassword(hash, "s3cret-phrase"); err != nil || ok {
		t.Errorf("CheckPassword(wrong) = %v, %v; want false, nil", ok, err)
	}
	if !auth.NeedsRehash(hash) {
		t.Error("a hash with older parameters does not need rehash")
	}
}

func TestCheckPasswordRefusesBadHashes(t *testing.T) {
	for _, hash := range []string{
		"",
		"plaintext",
		"$2a$10$abcdefghijklmnopqrstuv",
		"$argon2i$v=19$m=65536,t=1,p=2$c29tZXNhbHQ$c29tZWhhc2hzb21laGFzaA",
		"$argon2id$v=16$m=65536,t=1,p=2$c29tZXNhbHQ$c29tZWhhc2hzb21laGFzaA",
		"$argon2id$v=19$m=99999999,t=1,p=2$c29tZXNhbHQ$c29tZWhhc2hzb21laGFzaA",
		"$argon2id$v=19$m=65536,t=1000,p=2$c29tZXNhbHQ$c29tZWhhc2hzb21laGFzaA",
		"$argon2id$v=19$m=65536,t=1,p=2$!!!$c29tZWhhc2hzb21laGFzaA",
	} {
		ok, err := auth.CheckPassword(hash, "password")
		if err == nil || ok {
			t.Errorf("CheckPassword(%q) = %v, %v; want false and an error", hash, ok, err)
		}
	}
}

func TestCheckPasswordStrength(t *testing.T) {
	personal := []string{"neo_anderson", "thomas.anderson@metacortex.com", "Thomas", "Anderson"}
	tests := []struct {
		pw      string
		wantKey string // "" → accepted
	}{
		{"short1!", auth.PasswordTooShort},
		{"", auth.PasswordTooShort},
		{strings.Repeat("aB3$", 33), auth.PasswordTooLong},
		{"password", auth.PasswordCommon},
		{"PASSWORD", auth.PasswordCommon},
		{"Password1", auth.PasswordCommon},
		{"password123!", auth.PasswordCommon},
		{"P@ssw0rd!", auth.PasswordCommon},
		{"iloveyou", auth.PasswordCommon},
		{"Letmein2024", auth.PasswordCommon},
		{"dragon1234", auth.PasswordCommon},
		{"qwertyuiop", auth.PasswordCommon},
		{"1qaz2wsx3edc", auth.PasswordCommon},
		{"12345678", auth.PasswordCommon},
		{"1234567890!", auth.PasswordCommon},
		{"azertyuiop", auth.PasswordCommon},
		{"motdepasse1", auth.PasswordCommon},
		{"Sunshine99!", auth.PasswordCommon},
		{"1loveyou", auth.PasswordCommon},
		{"Thomas-is-great-77", auth.PasswordPersonal},
		{"xXanderson1999Xx", auth.PasswordPersonal},
		{"I am neo_anderson!", auth.PasswordPersonal},
		{"neo.anderson-rules", auth.PasswordPersonal},
		{"zqjvkwmbtr", auth.PasswordSimple},
		{"58206193746", auth.PasswordSimple},
		{"abababababababababab", auth.PasswordRepetitive},
		{"Aa1Aa1Aa1Aa1", auth.PasswordRepetitive},
		{"zqjvkwmbtrplxngd", ""}, // 16 letters: length makes up for variety
		{"Tr0mbone-Kettle", ""},
		{"correct horse battery staple", ""},
		{"Zèbre vert à 7 pattes", ""},
		{"blue-Walrus-Yodel-8", ""},
		{"metacortex-rules-42", ""}, // an email's domain is not personal
	}
	for _, tt := range tests {
		err := auth.CheckPasswordStrength(tt.pw, personal...)
		if tt.wantKey == "" {
			if err != nil {
				t.Errorf("CheckPasswordStrength(%q) = %v; want nil", tt.pw, err)
			}
			continue
		}
		var pe *auth.PasswordError
		if !errors.As(err, &pe) {
			t.Errorf("CheckPasswordStrength(%q) = %v; want a *PasswordError %s", tt.pw, err, tt.wantKey)
			continue
		}
		if pe.Key != tt.wantKey {
			t.Errorf("CheckPasswordStrength(%q) key = %s (%s); want %s", tt.pw, pe.Key, pe.Message, tt.wantKey)
		}
		if hypertube.ErrorCode(err) != hypertube.EINVALID || hypertube.ErrorMessage(err) != pe.Message || pe.Message == "" {
			t.Errorf("CheckPasswordStrength(%q): code %q message %q; want EINVALID with %q",
				tt.pw, hypertube.ErrorCode(err), hypertube.ErrorMessage(err), pe.Message)
		}
	}
}

func TestCheckPasswordStrengthShortPersonalWordsIgnored(t *testing.T) {
	// "Al" and "Li" are real names; refusing every password containing them
	// would refuse good passwords by accident.
	if err := auth.CheckPasswordStrength("Metal-Lizard-Kiln-5", "Al", "Li"); err != nil {
		t.Errorf("got %v; want nil", err)
	}
}
