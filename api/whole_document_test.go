package api_test

import (
	"flag"
	"slices"
	"strings"
	"testing"
)

// TestWholeDocumentCovered checks that the suite saw every response the
// document promises, so that no documented status goes untested. Go runs
// top-level tests in file order, then source order: this file sorts after
// the others, so it runs last. A filtered or shuffled run skips it.
func TestWholeDocumentCovered(t *testing.T) {
	if f := flag.Lookup("test.run"); f != nil && f.Value.String() != "" {
		t.Skip("runs only with the whole suite")
	}
	if f := flag.Lookup("test.shuffle"); f != nil && f.Value.String() != "off" {
		t.Skip("runs only in file order")
	}
	var missing []string
	for path, item := range obj(document, "paths") {
		for method, op := range item.(map[string]any) {
			for status := range obj(op, "responses") {
				key := strings.ToUpper(method) + " " + path + " " + status
				covered.Lock()
				seen := covered.seen[key]
				covered.Unlock()
				if !seen {
					missing = append(missing, key)
				}
			}
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("%d documented responses were never received by the suite:\n%s", len(missing), strings.Join(missing, "\n"))
	}
}
