package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/store"
)

// openBackend returns a new, empty, migrated database of kind b.
func openBackend(t *testing.T, b backend) *store.DB {
	t.Helper()
	url, dir := b.location(t)
	return open(t, url, dir)
}

// user returns a valid account for name.
func user(name string) *hypertube.User {
	return &hypertube.User{
		Username:     name,
		Email:        strings.ToLower(name) + "@example.org",
		FirstName:    "First " + name,
		LastName:     "Last " + name,
		Language:     "en",
		PasswordHash: "$argon2id$v=19$m=65536,t=3,p=2$c2FsdA$aGFzaA",
	}
}

func createUser(t *testing.T, svc *store.UserService, u *hypertube.User) *hypertube.User {
	t.Helper()
	if err := svc.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("CreateUser(%q): %v", u.Username, err)
	}
	return u
}

// wantFieldError checks that err is a *store.FieldError on field with code
// and key, which is also seen as a *hypertube.Error.
func wantFieldError(t *testing.T, err error, code, field, key string) {
	t.Helper()
	wantCode(t, err, code)
	var fe *store.FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *store.FieldError", err, err)
	}
	if fe.Field != field || fe.Key != key || fe.Code != code {
		t.Errorf("FieldError = %+v, want field %q, key %q, code %q", fe, field, key, code)
	}
	if hypertube.ErrorMessage(err) != fe.Message || fe.Message == "" {
		t.Errorf("message %q, want the FieldError's %q", hypertube.ErrorMessage(err), fe.Message)
	}
}

func TestCreateAndFindUser(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		svc := store.NewUserService(openBackend(t, b))
		u := user("Alice.B-c_9")
		u.Email = "  Alice.Smith@Example.ORG "
		u.FirstName = " Zoé "
		before := time.Now().Add(-time.Second)
		createUser(t, svc, u)
		if u.ID <= 0 {
			t.Fatalf("ID = %d, want a positive id", u.ID)
		}
		if u.Email != "Alice.Smith@Example.ORG" || u.FirstName != "Zoé" {
			t.Errorf("not trimmed: email %q, first name %q", u.Email, u.FirstName)
		}
		if u.CreatedAt.Before(before) || u.CreatedAt.After(time.Now()) || !u.UpdatedAt.Equal(u.CreatedAt) {
			t.Errorf("CreatedAt %v, UpdatedAt %v: want both now", u.CreatedAt, u.UpdatedAt)
		}

		byID, err := svc.FindUserByID(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(byID, u) {
			t.Errorf("FindUserByID:\n got %+v\nwant %+v", byID, u)
		}
		for _, login := range []string{"Alice.B-c_9", "alice.b-c_9", "ALICE.B-C_9", " alice.b-c_9 ",
			"alice.smith@example.org", "ALICE.SMITH@EXAMPLE.ORG", "Alice.Smith@Example.ORG"} {
			got, err := svc.FindUserByLogin(ctx, login)
			if err != nil {
				t.Errorf("FindUserByLogin(%q): %v", login, err)
				continue
			}
			if !reflect.DeepEqual(got, u) {
				t.Errorf("FindUserByLogin(%q):\n got %+v\nwant %+v", login, got, u)
			}
		}

		_, err = svc.FindUserByID(ctx, u.ID+100)
		wantCode(t, err, hypertube.ENOTFOUND)
		for _, login := range []string{"alice", "alice.smith", "%", "' OR '1'='1", "alice.b-c_"} {
			_, err = svc.FindUserByLogin(ctx, login)
			wantCode(t, err, hypertube.ENOTFOUND)
		}
		_, err = svc.FindUserByLogin(ctx, "   ")
		wantCode(t, err, hypertube.EINVALID)
	})
}

func TestUserConflicts(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		svc := store.NewUserService(openBackend(t, b))
		alice := createUser(t, svc, user("Alice"))
		bob := createUser(t, svc, user("Bob"))

		tests := []struct {
			name, username, email string
			field, key            string
		}{
			{"same username", "Alice", "other@example.org", store.FieldUsername, store.KeyUsernameTaken},
			{"username in other case", "aLICE", "other@example.org", store.FieldUsername, store.KeyUsernameTaken},
			{"same email", "carol", "alice@example.org", store.FieldEmail, store.KeyEmailTaken},
			{"email in other case", "carol", "ALICE@Example.Org", store.FieldEmail, store.KeyEmailTaken},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				u := user("x")
				u.Username, u.Email = tt.username, tt.email
				wantFieldError(t, svc.CreateUser(ctx, u), hypertube.ECONFLICT, tt.field, tt.key)

				// The same clash on update, by the other account.
				changed := *bob
				changed.Username, changed.Email = tt.username, tt.email
				if tt.field == store.FieldEmail {
					changed.Username = bob.Username
				} else {
					changed.Email = bob.Email
				}
				wantFieldError(t, svc.UpdateUser(ctx, &changed), hypertube.ECONFLICT, tt.field, tt.key)
			})
		}
		// Username and email both clash: the databases report different
		// constraints, the store names the username on both.
		wantFieldError(t, svc.CreateUser(ctx, user("ALICE")), hypertube.ECONFLICT, store.FieldUsername, store.KeyUsernameTaken)
		if msg := hypertube.ErrorMessage(svc.CreateUser(ctx, user("ALICE"))); msg != "This username is already taken." {
			t.Errorf("username clash message: %q", msg)
		}
		dup := user("carol")
		dup.Email = alice.Email
		if msg := hypertube.ErrorMessage(svc.CreateUser(ctx, dup)); msg != "An account already uses this email address." {
			t.Errorf("email clash message: %q", msg)
		}

		// Nothing changed, and nobody was added.
		_, total, err := svc.FindUsers(ctx, hypertube.UserFilter{})
		if err != nil || total != 2 {
			t.Errorf("total = %d (%v), want 2", total, err)
		}
		got, err := svc.FindUserByID(ctx, bob.ID)
		if err != nil || !reflect.DeepEqual(got, bob) {
			t.Errorf("bob after refused updates: %+v (%v), want %+v", got, err, bob)
		}
	})
}

func TestUserValidation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		svc := store.NewUserService(openBackend(t, b))
		existing := createUser(t, svc, user("existing"))
		tests := []struct {
			name       string
			change     func(u *hypertube.User)
			field, key string
		}{
			{"no username", func(u *hypertube.User) { u.Username = "" }, store.FieldUsername, store.KeyUsernameLength},
			{"short username", func(u *hypertube.User) { u.Username = "ab" }, store.FieldUsername, store.KeyUsernameLength},
			{"long username", func(u *hypertube.User) { u.Username = strings.Repeat("a", 31) }, store.FieldUsername, store.KeyUsernameLength},
			{"space in username", func(u *hypertube.User) { u.Username = "al ice" }, store.FieldUsername, store.KeyUsernameChars},
			{"at in username", func(u *hypertube.User) { u.Username = "a@b.org" }, store.FieldUsername, store.KeyUsernameChars},
			{"quote in username", func(u *hypertube.User) { u.Username = "bob'--" }, store.FieldUsername, store.KeyUsernameChars},
			{"percent in username", func(u *hypertube.User) { u.Username = "bob%" }, store.FieldUsername, store.KeyUsernameChars},
			{"accent in username", func(u *hypertube.User) { u.Username = "zoé" }, store.FieldUsername, store.KeyUsernameChars},
			{"no email", func(u *hypertube.User) { u.Email = " " }, store.FieldEmail, store.KeyEmailMissing},
			{"email without at", func(u *hypertube.User) { u.Email = "alice.example.org" }, store.FieldEmail, store.KeyEmailInvalid},
			{"email with a name", func(u *hypertube.User) { u.Email = "Alice <alice@example.org>" }, store.FieldEmail, store.KeyEmailInvalid},
			{"email in brackets", func(u *hypertube.User) { u.Email = "<alice@example.org>" }, store.FieldEmail, store.KeyEmailInvalid},
			{"two emails", func(u *hypertube.User) { u.Email = "a@example.org, b@example.org" }, store.FieldEmail, store.KeyEmailInvalid},
			{"email with newline", func(u *hypertube.User) { u.Email = "a@example.org\nBcc: b@example.org" }, store.FieldEmail, store.KeyEmailInvalid},
			{"long email", func(u *hypertube.User) { u.Email = strings.Repeat("a", 250) + "@example.org" }, store.FieldEmail, store.KeyEmailInvalid},
			{"long first name", func(u *hypertube.User) { u.FirstName = strings.Repeat("é", 101) }, store.FieldFirstName, store.KeyNameTooLong},
			{"control in last name", func(u *hypertube.User) { u.LastName = "Smith\x00" }, store.FieldLastName, store.KeyNameInvalid},
			{"bad UTF-8 in last name", func(u *hypertube.User) { u.LastName = "Smith\xff" }, store.FieldLastName, store.KeyNameInvalid},
			{"long language", func(u *hypertube.User) { u.Language = strings.Repeat("x", 17) }, store.FieldLanguage, store.KeyLanguageInvalid},
			{"picture with a slash", func(u *hypertube.User) { u.Picture = "../../etc/passwd" }, store.FieldPicture, store.KeyPictureInvalid},
			{"picture with a backslash", func(u *hypertube.User) { u.Picture = `..\secret.png` }, store.FieldPicture, store.KeyPictureInvalid},
			{"picture dot-dot", func(u *hypertube.User) { u.Picture = ".." }, store.FieldPicture, store.KeyPictureInvalid},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				u := user("newcomer")
				tt.change(u)
				wantFieldError(t, svc.CreateUser(ctx, u), hypertube.EINVALID, tt.field, tt.key)
				changed := *existing
				tt.change(&changed)
				wantFieldError(t, svc.UpdateUser(ctx, &changed), hypertube.EINVALID, tt.field, tt.key)
			})
		}

		// The limits themselves are allowed.
		edge := user(strings.Repeat("z", 30))
		edge.FirstName, edge.LastName = strings.Repeat("é", 100), ""
		edge.Language, edge.Picture = "zh-Hant-TW-x-abc", "f3a1c9.jpg"
		createUser(t, svc, edge)
		createUser(t, svc, user("abc"))

		wantCode(t, svc.CreateUser(ctx, nil), hypertube.EINVALID)
		_, total, err := svc.FindUsers(ctx, hypertube.UserFilter{})
		if err != nil || total != 3 {
			t.Errorf("total = %d (%v), want 3", total, err)
		}
	})
}

func TestUserTextsStoredVerbatim(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		svc := store.NewUserService(openBackend(t, b))
		nasty := []string{`O'Brien`, `"; DROP TABLE users; --`, `100% _real_ \ back\slash`, `Robert'); --`, `日本語 «名前»`}
		for i, s := range nasty {
			u := user(fmt.Sprintf("user%d", i))
			u.FirstName, u.LastName = s, s
			u.Email = fmt.Sprintf("o'brien+%d@example.org", i)
			createUser(t, svc, u)
			got, err := svc.FindUserByID(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.FirstName != s || got.LastName != s || got.Email != u.Email {
				t.Errorf("stored %q, %q, %q; read back %q, %q, %q", s, s, u.Email, got.FirstName, got.LastName, got.Email)
			}
			byEmail, err := svc.FindUserByLogin(ctx, u.Email)
			if err != nil || byEmail.ID != u.ID {
				t.Errorf("FindUserByLogin(%q) = %+v, %v", u.Email, byEmail, err)
			}
		}
	})
}

func TestFindUsers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		svc := store.NewUserService(openBackend(t, b))
		for _, n := range []string{"bob", "Bobby", "bo_b", "boxb", "bo-b", "bo.b", "alice", "ALBERT", "a_b", "axb"} {
			createUser(t, svc, user(n))
		}

		tests := []struct {
			name      string
			filter    hypertube.UserFilter
			want      []string
			wantTotal int
		}{
			{"everyone by username, ignoring case", hypertube.UserFilter{},
				[]string{"a_b", "ALBERT", "alice", "axb", "bo-b", "bo.b", "bo_b", "bob", "Bobby", "boxb"}, 10},
			{"prefix ignores case", hypertube.UserFilter{UsernamePrefix: "BOB"}, []string{"bob", "Bobby"}, 2},
			{"prefix is trimmed", hypertube.UserFilter{UsernamePrefix: " al "}, []string{"ALBERT", "alice"}, 2},
			{"underscore is literal", hypertube.UserFilter{UsernamePrefix: "bo_"}, []string{"bo_b"}, 1},
			{"underscore is literal mid-prefix", hypertube.UserFilter{UsernamePrefix: "a_"}, []string{"a_b"}, 1},
			{"percent is literal", hypertube.UserFilter{UsernamePrefix: "%b"}, []string{}, 0},
			{"lone percent is literal", hypertube.UserFilter{UsernamePrefix: "%"}, []string{}, 0},
			{"backslash is literal", hypertube.UserFilter{UsernamePrefix: `a\`}, []string{}, 0},
			{"backslash before underscore", hypertube.UserFilter{UsernamePrefix: `a\_`}, []string{}, 0},
			{"quote", hypertube.UserFilter{UsernamePrefix: "' OR 1=1 --"}, []string{}, 0},
			{"a prefix, not a substring", hypertube.UserFilter{UsernamePrefix: "lice"}, []string{}, 0},
			{"page", hypertube.UserFilter{Offset: 2, Limit: 3}, []string{"alice", "axb", "bo-b"}, 10},
			{"last page", hypertube.UserFilter{Offset: 9, Limit: 3}, []string{"boxb"}, 10},
			{"past the end", hypertube.UserFilter{Offset: 50}, []string{}, 10},
			{"page of a prefix", hypertube.UserFilter{UsernamePrefix: "bo", Offset: 1, Limit: 2}, []string{"bo.b", "bo_b"}, 6},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, total, err := svc.FindUsers(ctx, tt.filter)
				if err != nil {
					t.Fatal(err)
				}
				usernames := []string{}
				for _, u := range got {
					usernames = append(usernames, u.Username)
				}
				if !reflect.DeepEqual(usernames, tt.want) || total != tt.wantTotal {
					t.Errorf("got %q (total %d), want %q (total %d)", usernames, total, tt.want, tt.wantTotal)
				}
			})
		}
		for _, bad := range []hypertube.UserFilter{{Offset: -1}, {Limit: -1}} {
			_, _, err := svc.FindUsers(ctx, bad)
			wantCode(t, err, hypertube.EINVALID)
		}
	})
}

func TestFindUsersPageSize(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		svc := store.NewUserService(openBackend(t, b))
		const n = 105
		for i := range n {
			createUser(t, svc, user(fmt.Sprintf("user%03d", i)))
		}
		for _, tt := range []struct{ limit, want int }{{0, 20}, {7, 7}, {100, 100}, {1000, 100}} {
			got, total, err := svc.FindUsers(ctx, hypertube.UserFilter{Limit: tt.limit})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.want || total != n {
				t.Errorf("Limit %d: %d users (total %d), want %d (total %d)", tt.limit, len(got), total, tt.want, n)
			}
		}
	})
}

func TestUpdateUser(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		svc := store.NewUserService(openBackend(t, b))
		u := createUser(t, svc, user("alice"))
		created := u.CreatedAt

		u.Username, u.Email = "Alice2", "New.Address@Example.org"
		u.FirstName, u.LastName, u.Language = "Alice", "Liddell", "fr"
		u.PasswordHash, u.Picture = "$argon2id$new", "5f2b.png"
		u.CreatedAt = time.Unix(1, 0) // not the store's to change
		if err := svc.UpdateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if !u.CreatedAt.Equal(created) || u.UpdatedAt.Before(created) {
			t.Errorf("CreatedAt %v (want %v), UpdatedAt %v", u.CreatedAt, created, u.UpdatedAt)
		}
		got, err := svc.FindUserByID(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, u) {
			t.Errorf("after update:\n got %+v\nwant %+v", got, u)
		}
		// The old login is free, the new one finds the account.
		if _, err := svc.FindUserByLogin(ctx, "alice"); hypertube.ErrorCode(err) != hypertube.ENOTFOUND {
			t.Errorf("old username still finds an account: %v", err)
		}
		if got, err := svc.FindUserByLogin(ctx, "new.address@example.ORG"); err != nil || got.ID != u.ID {
			t.Errorf("new email: %+v, %v", got, err)
		}
		createUser(t, svc, user("alice"))

		// Changing only the case of one's own username is no clash.
		u.Username = "ALICE2"
		if err := svc.UpdateUser(ctx, u); err != nil {
			t.Errorf("case change of own username: %v", err)
		}

		missing := *u
		missing.ID = u.ID + 1000
		wantCode(t, svc.UpdateUser(ctx, &missing), hypertube.ENOTFOUND)
		wantCode(t, svc.UpdateUser(ctx, nil), hypertube.EINVALID)
	})
}

func TestIdentities(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		svc := store.NewUserService(openBackend(t, b))
		alice := createUser(t, svc, user("alice"))
		bob := createUser(t, svc, user("bob"))

		id := &hypertube.Identity{Provider: "github", Subject: "12345", UserID: alice.ID,
			Email: "alice@users.noreply.github.com", EmailVerified: true}
		if err := svc.CreateIdentity(ctx, id); err != nil {
			t.Fatal(err)
		}
		if id.CreatedAt.IsZero() {
			t.Error("CreatedAt not set")
		}
		got, err := svc.FindIdentity(ctx, "github", "12345")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, id) {
			t.Errorf("FindIdentity:\n got %+v\nwant %+v", got, id)
		}

		// The same subject at another provider is another identity.
		other := &hypertube.Identity{Provider: "https://accounts.example.org", Subject: "12345", UserID: bob.ID}
		if err := svc.CreateIdentity(ctx, other); err != nil {
			t.Fatal(err)
		}
		if got, err := svc.FindIdentity(ctx, other.Provider, "12345"); err != nil || got.UserID != bob.ID || got.EmailVerified {
			t.Errorf("second identity: %+v, %v", got, err)
		}

		taken := &hypertube.Identity{Provider: "github", Subject: "12345", UserID: bob.ID}
		wantCode(t, svc.CreateIdentity(ctx, taken), hypertube.ECONFLICT)
		orphan := &hypertube.Identity{Provider: "42", Subject: "7", UserID: bob.ID + 1000}
		wantCode(t, svc.CreateIdentity(ctx, orphan), hypertube.ENOTFOUND)
		for _, bad := range []*hypertube.Identity{nil, {Subject: "1", UserID: bob.ID}, {Provider: "42", UserID: bob.ID},
			{Provider: "42", Subject: "1\x00", UserID: bob.ID}} {
			wantCode(t, svc.CreateIdentity(ctx, bad), hypertube.EINVALID)
		}

		for _, key := range [][2]string{{"github", "1234"}, {"GitHub", "12345"}, {"42", "12345"}, {"github", "' OR '1'='1"}} {
			_, err := svc.FindIdentity(ctx, key[0], key[1])
			wantCode(t, err, hypertube.ENOTFOUND)
		}
	})
}
