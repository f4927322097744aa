package mail_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hypertube/hypertube/mail"
)

func TestDirMailer(t *testing.T) {
	dataDir := t.TempDir()
	var logBuf bytes.Buffer
	m, err := mail.FromURL("", dataDir, slog.New(slog.NewJSONHandler(&logBuf, nil)))
	if err != nil {
		t.Fatal(err)
	}
	dm, ok := m.(*mail.DirMailer)
	if !ok || dm.Dir != filepath.Join(dataDir, "mail") {
		t.Fatalf("FromURL(\"\") = %#v; want a DirMailer in dataDir/mail", m)
	}
	dm.From = "Hypertube <noreply@example.org>"
	msg := mail.Message{
		To:      "Zoé Dupont <zoe@example.org>",
		Subject: "Réinitialisez votre mot de passe ✓",
		Text:    "Bonjour Zoé,\n\nOpen https://tube.example.org/reset?t=abc to choose a new password.\n.\n.. a line with dots\n" + strings.Repeat("long line ", 20),
		HTML:    `<p>Bonjour Zoé,</p><p><a href="https://tube.example.org/reset?t=abc">Choose a new password</a></p>`,
	}
	for range 2 {
		if err := m.Send(context.Background(), msg); err != nil {
			t.Fatal(err)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dataDir, "mail", "*.eml"))
	if len(files) != 2 {
		t.Fatalf("%d .eml files; want one per message: %v", len(files), files)
	}
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v; reset links are secrets, want 0600", f, fi.Mode().Perm())
		}
		raw, _ := os.ReadFile(f)
		checkMessage(t, string(raw), msg)
	}

	var entry struct{ Link, File, To string }
	line, _, _ := bytes.Cut(logBuf.Bytes(), []byte("\n"))
	if err := json.Unmarshal(line, &entry); err != nil {
		t.Fatalf("log %q: %v", logBuf.String(), err)
	}
	if entry.Link != "https://tube.example.org/reset?t=abc" || entry.To != "zoe@example.org" || !strings.HasSuffix(entry.File, ".eml") {
		t.Errorf("log entry = %+v; want the reset link, recipient and file", entry)
	}
}

func TestFromURLPicksSMTP(t *testing.T) {
	m, err := mail.FromURL("smtps://u:p@mail.example.org?from=noreply@example.org", t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := m.(*mail.SMTPMailer); !ok || !s.ImplicitTLS || s.Addr != "mail.example.org:465" {
		t.Errorf("FromURL(smtps://…) = %#v", m)
	}
	if _, err := mail.FromURL("ftp://x", t.TempDir(), nil); err == nil {
		t.Error("FromURL(ftp://x) gave no error")
	}
}
