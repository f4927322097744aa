package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Every answer the suite receives goes through checkResponse: its status
// must be documented for its operation and its body must match the schema
// the document gives it. The validator knows the subset of JSON Schema the
// document uses: type (one or a list, so "null" makes a field nullable),
// properties, required, items, enum and $ref. Objects that declare their
// properties may not carry others, so that the document stays complete.

var document = func() map[string]any {
	b, err := os.ReadFile("openapi.json")
	if err != nil {
		panic(err)
	}
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		panic(fmt.Sprintf("openapi.json: %v", err))
	}
	return doc
}()

func obj(v any, keys ...string) map[string]any {
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	m, _ := v.(map[string]any)
	return m
}

// covered records which documented responses the suite has seen.
var covered = struct {
	sync.Mutex
	seen map[string]bool
}{seen: map[string]bool{}}

// findOperation returns the path template that matches path (literal
// segments beat parameters) and its operation for method.
func findOperation(method, path string) (string, map[string]any) {
	best, bestScore := "", -1
	segs := strings.Split(path, "/")
	for tmpl := range obj(document, "paths") {
		tsegs := strings.Split(tmpl, "/")
		if len(tsegs) != len(segs) {
			continue
		}
		score := 0
		for i, ts := range tsegs {
			switch {
			case ts == segs[i]:
				score++
			case strings.HasPrefix(ts, "{") && segs[i] != "":
			default:
				score = -1
			}
			if score < 0 {
				break
			}
		}
		if score > bestScore {
			best, bestScore = tmpl, score
		}
	}
	if best == "" {
		return "", nil
	}
	return best, obj(document, "paths", best, strings.ToLower(method))
}

// recordCoverage notes that the suite saw a documented response.
func recordCoverage(method, path string, status int) {
	if tmpl, op := findOperation(method, path); op != nil {
		covered.Lock()
		covered.seen[method+" "+tmpl+" "+strconv.Itoa(status)] = true
		covered.Unlock()
	}
}

func checkResponse(method, path string, status int, h http.Header, body []byte) error {
	tmpl, op := findOperation(method, path)
	var resp map[string]any
	switch {
	case tmpl == "":
		if status != http.StatusNotFound {
			return fmt.Errorf("no documented path matches %s", path)
		}
		resp = obj(document, "components", "responses", "NotFound")
	case op == nil:
		if status != http.StatusMethodNotAllowed {
			return fmt.Errorf("%s %s is not documented", method, tmpl)
		}
		if h.Get("Allow") == "" {
			return fmt.Errorf("405 without Allow")
		}
		resp = obj(document, "components", "responses", "MethodNotAllowed")
	default:
		resp = obj(op, "responses", strconv.Itoa(status))
		if resp == nil {
			return fmt.Errorf("status %d is not documented for %s %s", status, method, tmpl)
		}
	}
	content := obj(resp, "content")
	if content == nil {
		if len(body) != 0 {
			return fmt.Errorf("documented without a body, got %d bytes", len(body))
		}
		return nil
	}
	ct := h.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || content[mt] == nil {
		return fmt.Errorf("content type %q is not documented", ct)
	}
	if mt != "application/json" {
		return nil
	}
	if ct != "application/json; charset=utf-8" {
		return fmt.Errorf("content type %q, want application/json; charset=utf-8", ct)
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("body is not JSON: %v", err)
	}
	return validate(obj(content, mt, "schema"), v, "$")
}

func jsonType(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		if _, err := v.Int64(); err == nil {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func validate(schema map[string]any, v any, at string) error {
	if schema == nil {
		return fmt.Errorf("%s: no schema", at)
	}
	if ref, ok := schema["$ref"].(string); ok {
		name, found := strings.CutPrefix(ref, "#/components/schemas/")
		target := obj(document, "components", "schemas", name)
		if !found || target == nil {
			return fmt.Errorf("%s: unresolvable $ref %q", at, ref)
		}
		return validate(target, v, at)
	}
	if t, ok := schema["type"]; ok {
		var allowed []string
		switch t := t.(type) {
		case string:
			allowed = []string{t}
		case []any:
			for _, n := range t {
				allowed = append(allowed, fmt.Sprint(n))
			}
		}
		got := jsonType(v)
		if !slices.Contains(allowed, got) && !(got == "integer" && slices.Contains(allowed, "number")) {
			return fmt.Errorf("%s: %s, want %s", at, got, strings.Join(allowed, " or "))
		}
	}
	if enum, ok := schema["enum"].([]any); ok && !slices.ContainsFunc(enum, func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(v) }) {
		return fmt.Errorf("%s: %v is not one of %v", at, v, enum)
	}
	switch v := v.(type) {
	case map[string]any:
		props := obj(schema, "properties")
		for _, r := range asList(schema["required"]) {
			if _, ok := v[r]; !ok {
				return fmt.Errorf("%s: required property %q is missing", at, r)
			}
		}
		if props == nil {
			return nil
		}
		for k, pv := range v {
			ps := obj(props, k)
			if ps == nil {
				return fmt.Errorf("%s: property %q is not documented", at, k)
			}
			if err := validate(ps, pv, at+"."+k); err != nil {
				return err
			}
		}
	case []any:
		if items := obj(schema, "items"); items != nil {
			for i, item := range v {
				if err := validate(items, item, fmt.Sprintf("%s[%d]", at, i)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func asList(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, s := range l {
		out = append(out, fmt.Sprint(s))
	}
	return out
}

// The validator must be able to fail, or the checks above prove nothing.
func TestValidator(t *testing.T) {
	ref := func(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }
	tests := []struct {
		name   string
		schema map[string]any
		value  string
		ok     bool
	}{
		{"user", ref("User"), `{"id":1,"username":"a","first_name":"","last_name":"","picture_url":null}`, true},
		{"user with email", ref("User"), `{"id":1,"username":"a","first_name":"","last_name":"","picture_url":"/p","email":"a@b.c"}`, true},
		{"missing required", ref("User"), `{"id":1,"username":"a","first_name":"","last_name":""}`, false},
		{"undocumented property", ref("User"), `{"id":1,"username":"a","first_name":"","last_name":"","picture_url":null,"password_hash":"x"}`, false},
		{"wrong type", ref("User"), `{"id":"1","username":"a","first_name":"","last_name":"","picture_url":null}`, false},
		{"fraction for integer", ref("UserSummary"), `{"id":1.5,"username":"a"}`, false},
		{"null where not nullable", ref("UserSummary"), `{"id":1,"username":null}`, false},
		{"integer for number", ref("Movie"), `{"id":1,"name":"a","imdb_rating":7,"year":null,"length_minutes":null,"subtitles":[],"comments_count":0}`, true},
		{"bad item", ref("MovieList"), `{"items":[{"id":1}],"next":null}`, false},
		{"enum", ref("Token"), `{"access_token":"a","token_type":"Bearer","expires_in":3600}`, true},
		{"not in enum", ref("Token"), `{"access_token":"a","token_type":"bearer","expires_in":3600}`, false},
		{"error fields are free", ref("Error"), `{"error":{"code":"validation_failed","message":"m","fields":{"x":"y"}}}`, true},
		{"unknown error code", ref("Error"), `{"error":{"code":"oops","message":"m"}}`, false},
		{"bad ref", ref("Nothing"), `{}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v any
			dec := json.NewDecoder(strings.NewReader(tt.value))
			dec.UseNumber()
			if err := dec.Decode(&v); err != nil {
				t.Fatal(err)
			}
			err := validate(tt.schema, v, "$")
			if (err == nil) != tt.ok {
				t.Errorf("validate = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

func TestCheckResponse(t *testing.T) {
	jsonHdr := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	errBody := []byte(`{"error":{"code":"not_found","message":"m"}}`)
	tests := []struct {
		name, method, path string
		status             int
		header             http.Header
		body               []byte
		ok                 bool
	}{
		{"documented", "GET", "/api/users/7", 404, jsonHdr, errBody, true},
		{"undocumented status", "GET", "/api/users/7", 418, jsonHdr, errBody, false},
		{"wrong schema", "GET", "/api/users/7", 200, jsonHdr, errBody, false},
		{"unknown path must be 404", "GET", "/api/nothing", 200, jsonHdr, errBody, false},
		{"unknown path", "GET", "/api/nothing", 404, jsonHdr, errBody, true},
		{"405 needs Allow", "PUT", "/api/users/7", 405, jsonHdr, []byte(`{"error":{"code":"method_not_allowed","message":"m"}}`), false},
		{"plain JSON type", "GET", "/api/users/7", 404, http.Header{"Content-Type": {"application/json"}}, errBody, false},
		{"body where none", "DELETE", "/api/comments/1", 204, http.Header{}, []byte("x"), false},
		{"literal beats parameter", "GET", "/api/movies/7/comments", 200, jsonHdr, []byte(`{"items":[],"next":null}`), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkResponse(tt.method, tt.path, tt.status, tt.header, tt.body)
			if (err == nil) != tt.ok {
				t.Errorf("checkResponse = %v, want ok %v", err, tt.ok)
			}
		})
	}
}
