package reps

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aloware-kendo/aloware-kendo/schema"
)

// LoadEmailMap reads the --rep-email-map file: Aloware user id or Aloware email
// → Kendo member email. The format follows the extension:
//
//	.json  {"120776": "sam@team.com", "agent@aloware.example": "sam@team.com"}
//	.csv   two columns per line, key then Kendo email; an optional header line
//
// Every problem in the file is reported at once, each naming its line or key.
// Keys are returned lower-cased (lookups are case-insensitive).
func LoadEmailMap(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var m map[string]string
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".json":
		m, err = readJSONMap(f)
	case ".csv":
		m, err = readCSVMap(f)
	default:
		return nil, fmt.Errorf("rep email map %s: unsupported extension %q (want .json or .csv)", path, ext)
	}
	if err != nil {
		return nil, fmt.Errorf("rep email map %s: %w", path, err)
	}
	return m, nil
}

func readJSONMap(r io.Reader) (map[string]string, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("want a JSON object of key → email: %w", err)
	}
	b := mapBuilder{m: make(map[string]string, len(raw))}
	keys := slices.Sorted(maps.Keys(raw)) // stable error order
	for _, k := range keys {
		where := fmt.Sprintf("key %q", k)
		v, ok := raw[k].(string)
		if !ok {
			b.errs = append(b.errs, fmt.Errorf("%s: value must be a string email, got %v", where, raw[k]))
			continue
		}
		b.add(where, k, v)
	}
	return b.result()
}

func readCSVMap(r io.Reader) (map[string]string, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // we report wrong column counts ourselves, with the line
	cr.TrimLeadingSpace = true
	cr.Comment = '#'
	b := mapBuilder{m: map[string]string{}}
	for first := true; ; first = false {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err // csv.ParseError already names the line
		}
		line, _ := cr.FieldPos(0)
		where := fmt.Sprintf("line %d", line)
		if len(rec) != 2 {
			b.errs = append(b.errs, fmt.Errorf("%s: want 2 columns (aloware user id or email, kendo email), got %d", where, len(rec)))
			continue
		}
		if first && isHeader(rec) {
			continue
		}
		b.add(where, rec[0], rec[1])
	}
	return b.result()
}

// isHeader tells "user_id,kendo_email" from data: data always has an email
// in the second column, and a header has no '@' and no numeric id anywhere.
// A mistyped first data line therefore still gets reported, not skipped.
func isHeader(rec []string) bool {
	return !strings.Contains(rec[0]+rec[1], "@") && !isUserID(strings.TrimSpace(rec[0]))
}

// mapBuilder collects entries and every problem with them.
type mapBuilder struct {
	m    map[string]string
	errs []error
}

func (b *mapBuilder) add(where, key, val string) {
	key, val = strings.TrimSpace(key), strings.TrimSpace(val)
	nk := normKey(key)
	switch {
	case !isUserID(key) && !isEmail(key):
		b.errs = append(b.errs, fmt.Errorf("%s: key %q is neither an Aloware user id (digits) nor an email", where, key))
	case !isEmail(val):
		b.errs = append(b.errs, fmt.Errorf("%s: value %q is not an email", where, val))
	case b.m[nk] != "" && !strings.EqualFold(b.m[nk], val):
		b.errs = append(b.errs, fmt.Errorf("%s: key %q is mapped twice (%s, %s)", where, key, b.m[nk], val))
	default:
		b.m[nk] = val
	}
}

func (b *mapBuilder) result() (map[string]string, error) {
	if len(b.errs) > 0 {
		return nil, errors.Join(b.errs...)
	}
	return b.m, nil
}

// isEmail applies the rule Kendo's payload schema applies to repEmail, so a mapped
// address is never one the payload check would then drop.
func isEmail(s string) bool { return schema.IsEmail(s) }

func isUserID(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
