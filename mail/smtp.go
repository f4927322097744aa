package mail

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/hypertube/hypertube"
)

// SMTPMailer sends through an SMTP server, with TLS from the first byte
// (smtps) or upgraded by STARTTLS whenever the server offers it.
type SMTPMailer struct {
	Addr        string // host:port
	Host        string // name the certificate must carry
	Username    string
	Password    string
	From        *mail.Address
	ImplicitTLS bool
	// TLSConfig, when set, replaces the default of checking the server's
	// certificate for Host against the system's roots.
	TLSConfig *tls.Config
	// Timeout bounds one whole Send when ctx has no deadline.
	Timeout time.Duration
}

// NewSMTPMailer parses smtp://user:pass@host:587?from=… or smtps://…:465.
func NewSMTPMailer(rawURL string) (*SMTPMailer, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, hypertube.Errorf(hypertube.EINVALID, "The SMTP URL cannot be read: %v.", err)
	}
	m := &SMTPMailer{Host: u.Hostname(), Timeout: 30 * time.Second}
	port := u.Port()
	switch u.Scheme {
	case "smtp":
		if port == "" {
			port = "587"
		}
	case "smtps":
		m.ImplicitTLS = true
		if port == "" {
			port = "465"
		}
	default:
		return nil, hypertube.Errorf(hypertube.EINVALID, "The SMTP URL must start with smtp:// or smtps://, not %q.", u.Scheme+"://")
	}
	if m.Host == "" {
		return nil, hypertube.Errorf(hypertube.EINVALID, "The SMTP URL has no server name.")
	}
	m.Addr = net.JoinHostPort(m.Host, port)
	if u.User != nil {
		m.Username = u.User.Username()
		m.Password, _ = u.User.Password()
	}
	from := u.Query().Get("from")
	if from == "" {
		return nil, hypertube.Errorf(hypertube.EINVALID,
			"The SMTP URL needs the sender address, e.g. ?from=Hypertube%%20%%3Cnoreply@example.org%%3E.")
	}
	if m.From, err = mail.ParseAddress(from); err != nil {
		return nil, hypertube.Errorf(hypertube.EINVALID, "The sender %q in the SMTP URL is not a valid email address.", from)
	}
	return m, nil
}

// Send delivers m. net/smtp takes care of dot-stuffing the body.
func (s *SMTPMailer) Send(ctx context.Context, m Message) error {
	to, msg, err := build(m, s.From, time.Now())
	if err != nil {
		return err
	}
	if _, ok := ctx.Deadline(); !ok && s.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.Timeout)
		defer cancel()
	}
	if err := s.send(ctx, to.Address, msg); err != nil {
		return fmt.Errorf("%w (%v)", hypertube.Errorf(hypertube.EUNAVAILABLE,
			"The email could not be sent right now. Please try again later."), err)
	}
	return nil
}

func (s *SMTPMailer) send(ctx context.Context, to string, msg []byte) error {
	tlsConfig := s.TLSConfig
	if tlsConfig == nil {
		tlsConfig = &tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12}
	}
	var conn net.Conn
	var err error
	if s.ImplicitTLS {
		conn, err = (&tls.Dialer{Config: tlsConfig}).DialContext(ctx, "tcp", s.Addr)
	} else {
		conn, err = (&net.Dialer{}).DialContext(ctx, "tcp", s.Addr)
	}
	if err != nil {
		return fmt.Errorf("mail: dial %s: %w", s.Addr, err)
	}
	// net/smtp has no context: a deadline on the connection stands in, and
	// closing it on cancel stops a server that hangs mid-dialogue.
	if d, ok := ctx.Deadline(); ok {
		conn.SetDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	c, err := smtp.NewClient(conn, s.Host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("mail: %s: %w", s.Addr, err)
	}
	defer c.Close()
	if err := c.Hello(helloName()); err != nil {
		return fmt.Errorf("mail: EHLO: %w", err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok && !s.ImplicitTLS {
		if err := c.StartTLS(tlsConfig); err != nil {
			return fmt.Errorf("mail: STARTTLS: %w", err)
		}
	}
	if s.Username != "" {
		// PlainAuth refuses to send the password over a connection that is
		// neither encrypted nor to this machine.
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, s.Host)); err != nil {
			return fmt.Errorf("mail: AUTH: %w", err)
		}
	}
	if err := c.Mail(s.From.Address); err != nil {
		return fmt.Errorf("mail: MAIL FROM: %w", err)
	}
	if err := c.Rcpt(to); err != nil {
		return fmt.Errorf("mail: RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("mail: DATA: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("mail: DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("mail: DATA: %w", err)
	}
	return c.Quit()
}

// helloName is the name given in EHLO; some servers refuse "localhost".
func helloName() string {
	if h, err := os.Hostname(); err == nil && strings.Contains(h, ".") {
		return h
	}
	return "localhost"
}
