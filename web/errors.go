package web

import (
	"fmt"
	"net/http"

	"github.com/hypertube/hypertube"
)

// statusOf maps a domain error code to its HTTP status.
func statusOf(code string) int { return hypertube.StatusCode(code) }

// keyError is a domain error whose message is a catalog key, translated
// when shown, for code that does not know the visitor's language.
func keyError(code, key string) *hypertube.Error {
	return &hypertube.Error{Code: code, Message: key}
}

// message is err's text for a person in the visitor's language: messages
// that are catalog keys are translated, others (already sentences) shown
// as they are.
func (h *handler) message(r *http.Request, err error) string {
	return h.t(r, hypertube.ErrorMessage(err))
}

// fail answers with the error page for err. Internal errors are logged in
// full and shown to the person only as a generic sentence.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := hypertube.ErrorCode(err)
	status := statusOf(code)
	message := h.message(r, err)
	if status == http.StatusInternalServerError {
		h.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		message = h.t(r, "error.internal")
	}
	h.renderError(w, r, status, message)
}

type errorPage struct {
	Status  int
	Heading string
	Message string
}

func (h *handler) renderError(w http.ResponseWriter, r *http.Request, status int, message string) {
	key := fmt.Sprintf("status.%d", status)
	heading := h.t(r, key)
	if heading == key {
		heading = http.StatusText(status)
	}
	h.render(w, r, status, "error.html", errorPage{Status: status, Heading: heading, Message: message})
}
