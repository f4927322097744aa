// Package mail sends the site's emails (password resets, address checks)
// through an SMTP server, or, when none is configured, writes them as .eml
// files into the data directory so a self-hosted site works out of the box.
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"path/filepath"
	"strings"
	"time"

	"github.com/hypertube/hypertube"
)

// Message is one email to one person. Text is required; HTML, when set, is
// sent as the richer alternative of the same content.
type Message struct {
	To      string // "jane@example.org" or "Jane Roe <jane@example.org>"
	Subject string
	Text    string
	HTML    string
}

// Mailer sends messages.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// DefaultFrom is the sender of mails written by a DirMailer.
const DefaultFrom = "Hypertube <hypertube@localhost>"

// FromURL returns the mailer rawURL describes: smtp://user:pass@host:587
// (STARTTLS when offered) or smtps://user:pass@host:465 (TLS from the
// first byte), with the sender in ?from=. An empty rawURL means a DirMailer
// writing into dataDir/mail.
func FromURL(rawURL, dataDir string, log *slog.Logger) (Mailer, error) {
	if log == nil {
		log = slog.Default()
	}
	if strings.TrimSpace(rawURL) == "" {
		return &DirMailer{Dir: filepath.Join(dataDir, "mail"), Log: log}, nil
	}
	return NewSMTPMailer(rawURL)
}

// build renders m as an RFC 5322 message. Header values are checked or
// encoded so that no field can smuggle in extra headers.
func build(m Message, from *mail.Address, now time.Time) (to *mail.Address, msg []byte, err error) {
	to, err = mail.ParseAddress(m.To)
	if err != nil {
		return nil, nil, hypertube.Errorf(hypertube.EINVALID, "%q is not a valid email address.", m.To)
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return nil, nil, hypertube.Errorf(hypertube.EINVALID, "An email subject must fit on one line.")
	}
	var buf bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&buf, "%s: %s\r\n", k, v) }
	h("From", from.String())
	h("To", to.String())
	h("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	h("Date", now.Format(time.RFC1123Z))
	h("Message-ID", messageID(from.Address))
	h("MIME-Version", "1.0")
	if m.HTML == "" {
		h("Content-Type", "text/plain; charset=utf-8")
		h("Content-Transfer-Encoding", "quoted-printable")
		buf.WriteString("\r\n")
		writeQP(&buf, m.Text)
		if !bytes.HasSuffix(buf.Bytes(), []byte("\r\n")) {
			buf.WriteString("\r\n") // a message ends with a line break
		}
		return to, buf.Bytes(), nil
	}
	mw := multipart.NewWriter(&buf)
	h("Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": mw.Boundary()}))
	buf.WriteString("\r\n")
	// Plain text first: clients show the last part they understand.
	for _, part := range []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		pw, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.typ + "; charset=utf-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, nil, err
		}
		writeQP(pw, part.body)
	}
	if err := mw.Close(); err != nil {
		return nil, nil, err
	}
	return to, buf.Bytes(), nil
}

// writeQP writes s quoted-printable, which keeps lines short and the
// message 7-bit clean whatever the language.
func writeQP(w interface{ Write([]byte) (int, error) }, s string) {
	qp := quotedprintable.NewWriter(w)
	qp.Write([]byte(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")))
	qp.Close()
}

func messageID(fromAddr string) string {
	domain := "localhost"
	if _, d, ok := strings.Cut(fromAddr, "@"); ok && d != "" {
		domain = d
	}
	b := make([]byte, 16)
	rand.Read(b)
	return "<" + hex.EncodeToString(b) + "@" + domain + ">"
}
