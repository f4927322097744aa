package api

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/auth"
	"github.com/hypertube/hypertube/store"
)

const (
	jsonType    = "application/json; charset=utf-8"
	maxJSONBody = 64 << 10
)

// API error codes, beside the domain's. The document lists them all.
const (
	codeInvalidToken     = "invalid_token"
	codeMethodNotAllowed = "method_not_allowed"
	codeTooLarge         = "too_large"
	codeUnsupportedType  = "unsupported_media_type"
	codeValidation       = "validation_failed"
	codeRateLimited      = "rate_limited"
)

type errorBody struct {
	Error apiError `json:"error"`
}

type apiError struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// writeJSON answers v as JSON.
func (h *handler) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		h.log.Error("api: encode response", "err", err)
		status, body = http.StatusInternalServerError, []byte(`{"error":{"code":"internal","message":"Something went wrong on our side."}}`)
	}
	h.writeBody(w, r, status, jsonType, append(body, '\n'))
}

// writeBody answers body. A successful GET carries an ETag, a hash of the
// body: computing it is cheap next to the queries, and a client that sends
// it back in If-None-Match is spared the body.
func (h *handler) writeBody(w http.ResponseWriter, r *http.Request, status int, contentType string, body []byte) {
	hdr := w.Header()
	hdr.Set("Content-Type", contentType)
	if r.Method == http.MethodGet && status == http.StatusOK {
		sum := sha256.Sum256(body)
		etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
		hdr.Set("ETag", etag)
		// Answers depend on who asks, so shared caches must not keep them,
		// and browsers must check back.
		hdr.Set("Cache-Control", "private, no-cache")
		hdr.Set("Vary", "Authorization")
		if etagMatches(r.Header.Get("If-None-Match"), etag) {
			hdr.Del("Content-Type")
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// etagMatches implements If-None-Match's weak comparison (RFC 9110 §13.1.2).
func etagMatches(header, etag string) bool {
	for _, tag := range strings.Split(header, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == etag {
			return true
		}
	}
	return false
}

func (h *handler) writeError(w http.ResponseWriter, r *http.Request, status int, code, message string, fields map[string]string) {
	h.writeJSON(w, r, status, errorBody{apiError{Code: code, Message: message, Fields: fields}})
}

// fail answers err: its status comes from its domain code, a refused field
// is a 422 that names the field, and details of internal errors go to the
// log only.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var (
		fe *store.FieldError
		pe *auth.PasswordError
		me *http.MaxBytesError
	)
	switch {
	case errors.As(err, &fe):
		h.writeError(w, r, http.StatusUnprocessableEntity, codeValidation, fe.Message, map[string]string{fe.Field: fe.Message})
		return
	case errors.As(err, &pe):
		h.writeError(w, r, http.StatusUnprocessableEntity, codeValidation, pe.Message, map[string]string{"password": pe.Message})
		return
	case errors.As(err, &me):
		h.writeError(w, r, http.StatusRequestEntityTooLarge, codeTooLarge,
			fmt.Sprintf("The request body is larger than %d bytes.", me.Limit), nil)
		return
	}
	code := hypertube.ErrorCode(err)
	status := hypertube.StatusCode(code)
	// ERANGE has no meaning here: the API serves no byte ranges.
	ok := status != http.StatusInternalServerError && code != hypertube.ERANGE
	if !ok {
		h.log.Error("api: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		code, status = hypertube.EINTERNAL, http.StatusInternalServerError
	}
	h.writeError(w, r, status, code, hypertube.ErrorMessage(err), nil)
}

// validationError is a 422 naming the refused fields.
type validationError map[string]string

func (v validationError) Error() string {
	for _, msg := range v {
		return msg
	}
	return "invalid"
}

func (h *handler) failValidation(w http.ResponseWriter, r *http.Request, fields validationError) {
	msg := "Some fields are not valid."
	if len(fields) == 1 {
		msg = fields.Error()
	}
	h.writeError(w, r, http.StatusUnprocessableEntity, codeValidation, msg, fields)
}

// decodeJSON reads a JSON request body into v, refusing other media types,
// unknown fields, trailing data and bodies over the limit.
func (h *handler) decodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		h.writeError(w, r, http.StatusUnsupportedMediaType, codeUnsupportedType,
			"Send the request body as application/json.", nil)
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSONBody))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	if err == nil && dec.Decode(&struct{}{}) != io.EOF {
		err = errors.New("trailing data")
	}
	if err != nil {
		var (
			me *http.MaxBytesError
			te *json.UnmarshalTypeError
		)
		switch {
		case errors.As(err, &me):
			h.fail(w, r, err)
		case errors.As(err, &te) && te.Field != "":
			h.writeError(w, r, http.StatusBadRequest, hypertube.EINVALID,
				fmt.Sprintf("The field %q must be a %s.", te.Field, jsonTypeName(te.Type.Kind().String())), nil)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			h.writeError(w, r, http.StatusBadRequest, hypertube.EINVALID,
				"The request has an unknown field: "+strings.TrimPrefix(err.Error(), "json: unknown field ")+".", nil)
		default:
			h.writeError(w, r, http.StatusBadRequest, hypertube.EINVALID, "The request body is not valid JSON.", nil)
		}
		return false
	}
	return true
}

func jsonTypeName(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"), strings.HasPrefix(kind, "float"):
		return "number"
	case kind == "ptr":
		return "value of another type"
	}
	return kind
}

// writePage answers a list's page: its items and, when there are more, the
// URL of the next page, also given in a Link header.
func (h *handler) writePage(w http.ResponseWriter, r *http.Request, items any, next string) {
	var nextPtr *string
	if next != "" {
		w.Header().Set("Link", "<"+next+`>; rel="next"`)
		nextPtr = &next
	}
	h.writeJSON(w, r, http.StatusOK, struct {
		Items any     `json:"items"`
		Next  *string `json:"next"`
	}{items, nextPtr})
}

const (
	defaultPageSize = 20
	maxPageSize     = 100
)

// pageParams reads ?limit= and ?cursor=. Cursors are opaque to clients; inside
// they are a kind letter and a number (an offset or an id).
func pageParams(r *http.Request, kind byte) (limit int, at int64, err error) {
	limit = defaultPageSize
	if s := r.URL.Query().Get("limit"); s != "" {
		limit, err = strconv.Atoi(s)
		if err != nil || limit < 1 || limit > maxPageSize {
			return 0, 0, hypertube.Errorf(hypertube.EINVALID, "limit is a whole number from 1 to %d.", maxPageSize)
		}
	}
	if s := r.URL.Query().Get("cursor"); s != "" {
		b, decErr := base64.RawURLEncoding.DecodeString(s)
		if decErr == nil && len(b) > 1 && b[0] == kind {
			at, decErr = strconv.ParseInt(string(b[1:]), 10, 64)
		}
		if decErr != nil || len(b) < 2 || b[0] != kind || at < 0 {
			return 0, 0, hypertube.Errorf(hypertube.EINVALID, "The cursor is not one this list gave out.")
		}
	}
	return limit, at, nil
}

// nextURL is the request's URL with another cursor.
func nextURL(r *http.Request, kind byte, at int64) string {
	q := r.URL.Query()
	q.Set("cursor", base64.RawURLEncoding.EncodeToString([]byte(string(kind)+strconv.FormatInt(at, 10))))
	return (&url.URL{Path: r.URL.Path, RawQuery: q.Encode()}).String()
}

// pathID reads the {id} of the path.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, hypertube.Errorf(hypertube.ENOTFOUND, "There is nothing at %s.", r.URL.Path)
	}
	return id, nil
}

// muxErrors turns the plain-text 404 and 405 answers of http.ServeMux into
// JSON ones; the mux still sets Allow.
type muxErrors struct {
	http.ResponseWriter
	h          *handler
	r          *http.Request
	swallowing bool
}

func (w *muxErrors) WriteHeader(status int) {
	if (status == http.StatusNotFound || status == http.StatusMethodNotAllowed) &&
		strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") {
		w.swallowing = true
		code, msg := hypertube.ENOTFOUND, "There is nothing at "+w.r.URL.Path+"."
		if status == http.StatusMethodNotAllowed {
			code = codeMethodNotAllowed
			msg = fmt.Sprintf("%s does not accept %s; it accepts %s.", w.r.URL.Path, w.r.Method, w.Header().Get("Allow"))
		}
		w.h.writeError(w.ResponseWriter, w.r, status, code, msg, nil)
		return
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *muxErrors) Write(b []byte) (int, error) {
	if w.swallowing {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

func (w *muxErrors) Unwrap() http.ResponseWriter { return w.ResponseWriter }
