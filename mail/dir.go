package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"time"
)

// DirMailer writes each message as an .eml file into Dir instead of sending
// it, and logs the first link of the text, so that whoever runs the site can
// finish a sign-up or a password reset without an SMTP server.
type DirMailer struct {
	Dir  string
	From string // DefaultFrom when empty
	Log  *slog.Logger
}

var firstURL = regexp.MustCompile(`https?://[^\s<>"]+`)

// Send writes m to Dir/<time>-<random>.eml, readable by the owner only
// since reset links in it are secrets.
func (d *DirMailer) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	from, err := mail.ParseAddress(orDefault(d.From, DefaultFrom))
	if err != nil {
		return fmt.Errorf("mail: sender %q: %w", d.From, err)
	}
	now := time.Now()
	to, msg, err := build(m, from, now)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(d.Dir, 0o700); err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	b := make([]byte, 4)
	rand.Read(b)
	name := filepath.Join(d.Dir, now.UTC().Format("20060102T150405.000000000Z")+"-"+hex.EncodeToString(b)+".eml")
	if err := os.WriteFile(name, msg, 0o600); err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	log := d.Log
	if log == nil {
		log = slog.Default()
	}
	log.Info("mail written to a file (no SMTP server configured)",
		"to", to.Address, "subject", m.Subject, "file", name, "link", firstURL.FindString(m.Text))
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
