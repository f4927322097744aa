package catalog

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// The services below are not strict about types: archive.org sends a year
// as 1968 or "1968", a description as a string or a list of strings. These
// types accept both, so that one odd record does not cost a whole page.

// flexNumber is a JSON number, a string holding one, or null.
type flexNumber float64

func (n *flexNumber) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' { // a list: take its first element
		var list []flexNumber
		if err := json.Unmarshal(b, &list); err != nil || len(list) == 0 {
			*n = 0
			return nil
		}
		*n = list[0]
		return nil
	}
	s := strings.Trim(string(b), `"`)
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		// "N/A", "", "c. 1920": unknown, not an error.
		f = 0
		if len(s) >= 4 {
			if y, err := strconv.Atoi(s[:4]); err == nil {
				f = float64(y)
			}
		}
	}
	*n = flexNumber(f)
	return nil
}

// flexStrings is a JSON string, a list of strings, or null.
type flexStrings []string

func (s *flexStrings) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	var list []json.RawMessage
	if len(b) > 0 && b[0] == '[' {
		if err := json.Unmarshal(b, &list); err != nil {
			return err
		}
	} else {
		list = []json.RawMessage{b}
	}
	*s = nil
	for _, raw := range list {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		switch v := v.(type) {
		case string:
			*s = append(*s, v)
		case float64:
			*s = append(*s, strconv.FormatFloat(v, 'f', -1, 64))
		}
	}
	return nil
}

// first is the first non-empty string.
func (s flexStrings) first() string {
	for _, v := range s {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}
