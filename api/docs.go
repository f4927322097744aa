package api

import (
	"bytes"
	"encoding/json"
	"html/template"
	"net/http"
	"slices"
	"strings"
)

// The OpenAPI document is written by hand, embedded, and served as is; the
// docs page is rendered from it once, at start-up, so the two cannot drift.

type openAPIDoc struct {
	Info struct {
		Title       string `json:"title"`
		Version     string `json:"version"`
		Description string `json:"description"`
	} `json:"info"`
	Paths      map[string]map[string]openAPIOperation `json:"paths"`
	Components struct {
		Schemas map[string]openAPISchema `json:"schemas"`
	} `json:"components"`
}

type openAPIOperation struct {
	Summary     string                     `json:"summary"`
	Description string                     `json:"description"`
	Security    *[]map[string][]string     `json:"security"`
	Parameters  []openAPIParameter         `json:"parameters"`
	RequestBody *openAPIBody               `json:"requestBody"`
	Responses   map[string]openAPIResponse `json:"responses"`
}

type openAPIParameter struct {
	Name        string        `json:"name"`
	In          string        `json:"in"`
	Required    bool          `json:"required"`
	Description string        `json:"description"`
	Schema      openAPISchema `json:"schema"`
}

type openAPIBody struct {
	Description string                      `json:"description"`
	Content     map[string]openAPIMediaType `json:"content"`
}

type openAPIResponse struct {
	Description string                      `json:"description"`
	Content     map[string]openAPIMediaType `json:"content"`
}

type openAPIMediaType struct {
	Schema openAPISchema `json:"schema"`
}

type openAPISchema struct {
	Ref         string                   `json:"$ref"`
	Type        any                      `json:"type"` // a name, or a list of names
	Description string                   `json:"description"`
	Properties  map[string]openAPISchema `json:"properties"`
	Required    []string                 `json:"required"`
	Items       *openAPISchema           `json:"items"`
	Enum        []any                    `json:"enum"`
}

// label is a short human name of a schema: a component's name, or its type.
func (s openAPISchema) Label() string {
	switch {
	case s.Ref != "":
		return strings.TrimPrefix(s.Ref, "#/components/schemas/")
	case s.Items != nil:
		return "array of " + s.Items.Label()
	}
	var names []string
	switch t := s.Type.(type) {
	case string:
		names = []string{t}
	case []any:
		for _, n := range t {
			if n, ok := n.(string); ok {
				names = append(names, n)
			}
		}
	}
	label := strings.Join(names, " or ")
	if len(s.Enum) > 0 {
		b, _ := json.Marshal(s.Enum)
		label += " " + string(b)
	}
	return label
}

type docsOperation struct {
	Method, Path, Anchor string
	Public               bool
	openAPIOperation
	Body      []docsMedia
	Responses []docsResponse
}

type docsMedia struct{ Type, Schema string }

type docsResponse struct {
	Status, Description string
	Media               []docsMedia
}

type docsSchema struct {
	Name, Description, Type string
	Properties              []docsProperty
}

type docsProperty struct {
	Name, Type, Description string
	Required                bool
}

func media(content map[string]openAPIMediaType) []docsMedia {
	var out []docsMedia
	for _, t := range sortedKeys(content) {
		out = append(out, docsMedia{t, content[t].Schema.Label()})
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func renderDocs() ([]byte, error) {
	var doc openAPIDoc
	if err := json.Unmarshal(openAPIJSON(), &doc); err != nil {
		return nil, err
	}
	var ops []docsOperation
	for _, path := range sortedKeys(doc.Paths) {
		for _, method := range []string{"get", "post", "patch", "put", "delete"} {
			op, ok := doc.Paths[path][method]
			if !ok {
				continue
			}
			d := docsOperation{Method: strings.ToUpper(method), Path: path, openAPIOperation: op,
				Public: op.Security != nil && len(*op.Security) == 0}
			d.Anchor = strings.NewReplacer("/", "-", "{", "", "}", "", ".", "-").Replace(strings.ToLower(d.Method + path))
			if op.RequestBody != nil {
				d.Body = media(op.RequestBody.Content)
			}
			for _, status := range sortedKeys(op.Responses) {
				resp := op.Responses[status]
				d.Responses = append(d.Responses, docsResponse{status, resp.Description, media(resp.Content)})
			}
			ops = append(ops, d)
		}
	}
	var schemas []docsSchema
	for _, name := range sortedKeys(doc.Components.Schemas) {
		s := doc.Components.Schemas[name]
		ds := docsSchema{Name: name, Description: s.Description, Type: s.Label()}
		for _, p := range sortedKeys(s.Properties) {
			ps := s.Properties[p]
			ds.Properties = append(ds.Properties, docsProperty{p, ps.Label(), ps.Description, slices.Contains(s.Required, p)})
		}
		schemas = append(schemas, ds)
	}
	tmpl, err := template.ParseFS(templateFiles, "templates/docs.html")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err = tmpl.Execute(&buf, map[string]any{"Info": doc.Info, "Operations": ops, "Schemas": schemas})
	return buf.Bytes(), err
}

func openAPIJSON() []byte {
	b, err := templateFiles.ReadFile("openapi.json")
	if err != nil {
		panic(err) // embedded at build time
	}
	return b
}

func (h *handler) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	h.writeBody(w, r, http.StatusOK, jsonType, openAPIJSON())
}

func (h *handler) handleDocs(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	h.writeBody(w, r, http.StatusOK, "text/html; charset=utf-8", h.docs)
}
