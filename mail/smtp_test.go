package mail_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	netmail "net/mail"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/mail"
)

// received is what the fake SMTP server saw in one session.
type received struct {
	tls        bool
	auth       string // "user:pass" from AUTH PLAIN
	from       string
	rcpt       []string
	data       string // after undoing dot-stuffing
	commands   []string
	ehloOffers []string
}

// fakeSMTP is a tiny SMTP server on 127.0.0.1: EHLO, STARTTLS, AUTH PLAIN,
// MAIL, RCPT, DATA, QUIT, just enough to record one message.
type fakeSMTP struct {
	ln          net.Listener
	cert        *tls.Config // server side, nil: no TLS at all
	startTLS    bool        // offer STARTTLS
	implicitTLS bool        // TLS from the first byte (smtps)
	sessions    chan received
}

func newFakeSMTP(t *testing.T, startTLS, implicitTLS bool) (*fakeSMTP, *tls.Config) {
	// Borrow httptest's certificate for 127.0.0.1 and the pool that trusts it.
	h := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(h.Close)
	serverTLS := &tls.Config{Certificates: h.TLS.Certificates}
	clientTLS := &tls.Config{RootCAs: h.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs, ServerName: "127.0.0.1"}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeSMTP{ln: ln, cert: serverTLS, startTLS: startTLS, implicitTLS: implicitTLS, sessions: make(chan received, 4)}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go f.serve(c)
		}
	}()
	return f, clientTLS
}

func (f *fakeSMTP) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	var r received
	if f.implicitTLS {
		tc := tls.Server(c, f.cert)
		if tc.Handshake() != nil {
			return
		}
		c, r.tls = tc, true
	}
	rd := bufio.NewReader(c)
	say := func(s string) { io.WriteString(c, s+"\r\n") }
	say("220 127.0.0.1 fake ESMTP")
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		r.commands = append(r.commands, strings.Fields(line + " ")[0])
		verb := strings.ToUpper(strings.Fields(line + " ")[0])
		switch verb {
		case "EHLO":
			r.ehloOffers = []string{"8BITMIME", "AUTH PLAIN", "SIZE 10485760"}
			if f.startTLS && !r.tls {
				r.ehloOffers = append(r.ehloOffers, "STARTTLS")
			}
			say("250-127.0.0.1 greets you")
			for i, o := range r.ehloOffers {
				if i == len(r.ehloOffers)-1 {
					say("250 " + o)
				} else {
					say("250-" + o)
				}
			}
		case "STARTTLS":
			say("220 Ready to start TLS")
			tc := tls.Server(c, f.cert)
			if tc.Handshake() != nil {
				return
			}
			c, r.tls = tc, true
			rd = bufio.NewReader(c)
		case "AUTH":
			parts := strings.Fields(line)
			b, _ := base64.StdEncoding.DecodeString(parts[len(parts)-1])
			creds := strings.Split(string(b), "\x00")
			if len(creds) == 3 {
				r.auth = creds[1] + ":" + creds[2]
			}
			say("235 2.7.0 Authentication successful")
		case "MAIL":
			r.from = strings.TrimSuffix(strings.TrimPrefix(line[len("MAIL FROM:"):], "<"), ">")
			r.from, _, _ = strings.Cut(r.from, ">")
			say("250 OK")
		case "RCPT":
			to := strings.TrimPrefix(line[len("RCPT TO:"):], "<")
			to, _, _ = strings.Cut(to, ">")
			r.rcpt = append(r.rcpt, to)
			say("250 OK")
		case "DATA":
			say("354 End data with <CR><LF>.<CR><LF>")
			var b strings.Builder
			for {
				l, err := rd.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, ".")) // undo dot-stuffing
			}
			r.data = b.String()
			say("250 OK queued")
		case "QUIT":
			say("221 Bye")
			f.sessions <- r
			return
		default:
			say("250 OK")
		}
	}
}

func (f *fakeSMTP) wait(t *testing.T) received {
	t.Helper()
	select {
	case r := <-f.sessions:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("the fake SMTP server saw no complete session")
		return received{}
	}
}

func TestSMTPMailerSends(t *testing.T) {
	tests := []struct {
		name                  string
		scheme                string
		startTLS, implicitTLS bool
		wantTLS               bool
	}{
		{"plain, no STARTTLS offered", "smtp", false, false, false},
		{"STARTTLS when offered", "smtp", true, false, true},
		{"implicit TLS", "smtps", false, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, clientTLS := newFakeSMTP(t, tt.startTLS, tt.implicitTLS)
			u := tt.scheme + "://mailer:s%40cret@" + srv.ln.Addr().String() +
				"?from=" + url.QueryEscape("Hypertube <noreply@example.org>")
			m, err := mail.NewSMTPMailer(u)
			if err != nil {
				t.Fatal(err)
			}
			m.TLSConfig = clientTLS
			msg := mail.Message{
				To:      "Zoé Dupont <zoe@example.org>",
				Subject: "Réinitialisez votre mot de passe ✓",
				Text:    "Bonjour Zoé,\n\nOpen https://tube.example.org/reset?t=abc to choose a new password.\n.\n.. a line with dots\n" + strings.Repeat("long line ", 20),
				HTML:    `<p>Bonjour Zoé,</p><p><a href="https://tube.example.org/reset?t=abc">Choose a new password</a></p>`,
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := m.Send(ctx, msg); err != nil {
				t.Fatal(err)
			}
			r := srv.wait(t)
			if r.tls != tt.wantTLS {
				t.Errorf("TLS = %v; want %v", r.tls, tt.wantTLS)
			}
			if r.auth != "mailer:s@cret" {
				t.Errorf("AUTH PLAIN credentials = %q", r.auth)
			}
			if r.from != "noreply@example.org" || len(r.rcpt) != 1 || r.rcpt[0] != "zoe@example.org" {
				t.Errorf("envelope from %q to %q", r.from, r.rcpt)
			}
			checkMessage(t, r.data, msg)
		})
	}
}

// checkMessage parses raw as a mail client would and compares it with sent.
func checkMessage(t *testing.T, raw string, sent mail.Message) {
	t.Helper()
	for _, line := range strings.Split(raw, "\r\n") {
		if len(line) > 998 {
			t.Errorf("line longer than RFC 5322 allows: %d bytes", len(line))
		}
	}
	if strings.Contains(strings.ReplaceAll(raw, "\r\n", ""), "\n") {
		t.Error("bare LF in the message")
	}
	msg, err := netmail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	h := msg.Header
	dec := new(mime.WordDecoder)
	if subject, err := dec.DecodeHeader(h.Get("Subject")); err != nil || subject != sent.Subject {
		t.Errorf("Subject %q decodes to %q, %v; want %q", h.Get("Subject"), subject, err, sent.Subject)
	}
	if strings.ContainsFunc(h.Get("Subject"), func(r rune) bool { return r > 127 }) {
		t.Errorf("Subject header is not encoded: %q", h.Get("Subject"))
	}
	from, err := h.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Hypertube" || from[0].Address != "noreply@example.org" {
		t.Errorf("From = %q (%v)", h.Get("From"), err)
	}
	to, err := h.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Name != "Zoé Dupont" || to[0].Address != "zoe@example.org" {
		t.Errorf("To = %q (%v)", h.Get("To"), err)
	}
	if d, err := h.Date(); err != nil || time.Since(d).Abs() > time.Minute {
		t.Errorf("Date = %q (%v)", h.Get("Date"), err)
	}
	if id := h.Get("Message-ID"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@example.org>") {
		t.Errorf("Message-ID = %q", id)
	}
	if h.Get("MIME-Version") != "1.0" {
		t.Errorf("MIME-Version = %q", h.Get("MIME-Version"))
	}
	mediaType, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type = %q (%v)", h.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	wantParts := []struct{ typ, body string }{
		{"text/plain", strings.ReplaceAll(sent.Text, "\n", "\r\n")},
		{"text/html", sent.HTML},
	}
	for _, want := range wantParts {
		p, err := mr.NextPart() // undoes quoted-printable
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(p)
		if ct := p.Header.Get("Content-Type"); ct != want.typ+"; charset=utf-8" {
			t.Errorf("part Content-Type = %q; want %s; charset=utf-8", ct, want.typ)
		}
		if string(body) != want.body {
			t.Errorf("%s part = %q\nwant %q", want.typ, body, want.body)
		}
	}
	if _, err := mr.NextPart(); err != io.EOF {
		t.Errorf("more parts than text and HTML: %v", err)
	}
}

func TestSMTPMailerTextOnly(t *testing.T) {
	srv, _ := newFakeSMTP(t, false, false)
	m, err := mail.NewSMTPMailer("smtp://" + srv.ln.Addr().String() + "?from=noreply@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(context.Background(), mail.Message{To: "a@example.org", Subject: "Hi", Text: "Plain text."}); err != nil {
		t.Fatal(err)
	}
	r := srv.wait(t)
	if r.auth != "" {
		t.Errorf("authenticated as %q without credentials in the URL", r.auth)
	}
	msg, err := netmail.ReadMessage(strings.NewReader(r.data))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(msg.Body)
	if ct := msg.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" || string(body) != "Plain text.\r\n" {
		t.Errorf("Content-Type %q, body %q", ct, body)
	}
}

func TestSMTPMailerRefusesBadInput(t *testing.T) {
	m, err := mail.NewSMTPMailer("smtp://127.0.0.1:1?from=noreply@example.org")
	if err != nil {
		t.Fatal(err)
	}
	for _, msg := range []mail.Message{
		{To: "not an address", Subject: "x", Text: "x"},
		{To: "a@example.org\r\nBcc: victim@example.org", Subject: "x", Text: "x"},
		{To: "a@example.org", Subject: "x\r\nBcc: victim@example.org", Text: "x"},
	} {
		if err := m.Send(context.Background(), msg); hypertube.ErrorCode(err) != hypertube.EINVALID {
			t.Errorf("Send(%+v) = %v; want EINVALID", msg, err)
		}
	}
}

func TestSMTPMailerServerDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	m, err := mail.NewSMTPMailer("smtp://" + addr + "?from=noreply@example.org")
	if err != nil {
		t.Fatal(err)
	}
	err = m.Send(context.Background(), mail.Message{To: "a@example.org", Subject: "x", Text: "x"})
	if hypertube.ErrorCode(err) != hypertube.EUNAVAILABLE || !strings.Contains(hypertube.ErrorMessage(err), "could not be sent") {
		t.Errorf("Send = %v; want EUNAVAILABLE", err)
	}
}

func TestSMTPMailerHungServer(t *testing.T) {
	// A server that accepts and says nothing must not hold Send forever.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	m, err := mail.NewSMTPMailer("smtp://" + ln.Addr().String() + "?from=noreply@example.org")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- m.Send(ctx, mail.Message{To: "a@example.org", Subject: "x", Text: "x"}) }()
	select {
	case err := <-done:
		if err == nil {
			t.Error("Send succeeded against a silent server")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Send still blocked 10 s after its context expired")
	}
}

func TestNewSMTPMailer(t *testing.T) {
	tests := []struct {
		url      string
		wantAddr string
		wantTLS  bool
		wantErr  string
	}{
		{"smtp://u:p@mail.example.org?from=a@example.org", "mail.example.org:587", false, ""},
		{"smtps://u:p@mail.example.org?from=a@example.org", "mail.example.org:465", true, ""},
		{"smtp://mail.example.org:2525?from=Hypertube%20%3Ca@example.org%3E", "mail.example.org:2525", false, ""},
		{"http://mail.example.org?from=a@example.org", "", false, "smtp:// or smtps://"},
		{"smtp://mail.example.org", "", false, "sender address"},
		{"smtp://mail.example.org?from=nobody", "", false, "not a valid email address"},
		{"smtp://?from=a@example.org", "", false, "no server name"},
	}
	for _, tt := range tests {
		m, err := mail.NewSMTPMailer(tt.url)
		if tt.wantErr != "" {
			if hypertube.ErrorCode(err) != hypertube.EINVALID || !strings.Contains(hypertube.ErrorMessage(err), tt.wantErr) {
				t.Errorf("NewSMTPMailer(%q) = %v; want EINVALID saying %q", tt.url, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("NewSMTPMailer(%q): %v", tt.url, err)
			continue
		}
		if m.Addr != tt.wantAddr || m.ImplicitTLS != tt.wantTLS {
			t.Errorf("NewSMTPMailer(%q) = %s tls=%v; want %s tls=%v", tt.url, m.Addr, m.ImplicitTLS, tt.wantAddr, tt.wantTLS)
		}
	}
}
