package mapping

import (
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/aloware-kendo/aloware-kendo/kendo"
)

// fitBodyLimit applies rule P9: keep the JSON body within kendo.MaxBodyBytes. It
// measures the transcript's encoded size without marshalling it, so the common case
// (a transcript far below the limit) costs one small marshal at most.
func fitBodyLimit(p *kendo.Payload) []string {
	if p.Transcript == "" {
		return nil
	}
	// A byte encodes to at most 6 bytes (\u00XX); skip the measuring when even that fits.
	if 6*len(p.Transcript)+64<<10 < kendo.MaxBodyBytes {
		return nil
	}
	transcript := p.Transcript
	p.Transcript = ""
	base, err := json.Marshal(p)
	if err != nil {
		p.Transcript = transcript
		return nil
	}
	// {…} grows by `,"transcript":"…"` (the comma only when base has other members).
	overhead := len(base) + len(`"transcript":`)
	if len(base) > 2 {
		overhead++
	}
	budget := kendo.MaxBodyBytes - overhead - 2 // the quotes
	if encodedLen(transcript) <= budget {
		p.Transcript = transcript
		return nil
	}
	if p.AudioURL != "" {
		return []string{"transcript dropped: the payload would exceed Kendo's 5 MB limit; Kendo transcribes the audioUrl instead"}
	}
	p.Transcript = cutAtLine(transcript, budget)
	return []string{"transcript cut at a line boundary to fit Kendo's 5 MB limit"}
}

// cutAtLine returns the longest prefix of whole lines whose encoding fits budget.
func cutAtLine(s string, budget int) string {
	used, end := 0, 0
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && s[j] != '\n' {
			j++
		}
		n := encodedLen(s[i:j])
		if i > 0 {
			n += 2 // "\n" encodes as two bytes
		}
		if used+n > budget {
			if end == 0 { // one enormous first line: cut it at a character boundary
				return cutAtRune(s[:j], budget)
			}
			break
		}
		used += n
		end = j
		i = j + 1
	}
	return s[:end]
}

// cutAtRune returns the longest prefix of s whose encoding fits budget.
func cutAtRune(s string, budget int) string {
	used := 0
	for i := 0; i < len(s); {
		n, size := encodedStep(s[i:])
		if used+n > budget {
			return s[:i]
		}
		used += n
		i += size
	}
	return s
}

// encodedLen is the length of s as encoding/json writes it inside quotes (with its
// default HTML escaping), without the quotes.
func encodedLen(s string) int {
	total := 0
	for i := 0; i < len(s); {
		n, size := encodedStep(s[i:])
		total += n
		i += size
	}
	return total
}

// encodedStep encodes the first character of s: it returns the encoded length and the
// number of bytes of s it consumed.
func encodedStep(s string) (n, size int) {
	c := s[0]
	if c < utf8.RuneSelf {
		switch {
		case c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f':
			return 2, 1
		case c < 0x20 || c == '<' || c == '>' || c == '&':
			return 6, 1 // \u00XX
		}
		return 1, 1
	}
	r, size := utf8.DecodeRuneInString(s)
	switch {
	case r == utf8.RuneError && size == 1:
		return 6, 1 // \ufffd
	case r == '\u2028' || r == '\u2029':
		return 6, size
	}
	return size, size
}

// ShrinkAfter413 applies rule P10 to a payload Kendo refused as too large (413) although
// fitBodyLimit kept it within the limit: Kendo prefers audio, so the transcript goes when
// there is an audioUrl, else it loses its last tenth and says so. how tells what was done
// ("" when there was no transcript to shrink: nothing can be done).
func ShrinkAfter413(p *kendo.Payload) (how string) {
	switch {
	case p.Transcript == "":
		return ""
	case p.AudioURL != "":
		p.Transcript = ""
		return "transcript dropped after Kendo's 413 (audioUrl kept)"
	}
	p.Transcript = cutTranscript(p.Transcript, len(p.Transcript)*9/10) + transcriptCutMarker
	return "transcript cut by a tenth after Kendo's 413"
}

// transcriptCutMarker ends a transcript ShrinkAfter413 cut, so a reader in Kendo knows
// the end is missing.
const transcriptCutMarker = "\n[transcript cut by aloware-kendo to fit Kendo's size limit]"

// cutTranscript keeps at most n bytes of t, ending at a line break when one is in the
// last tenth, and never splits a UTF-8 sequence.
func cutTranscript(t string, n int) string {
	if len(t) <= n {
		return t
	}
	t = strings.ToValidUTF8(t[:max(n, 0)], "")
	if i := strings.LastIndexByte(t, '\n'); i > len(t)*9/10 {
		t = t[:i]
	}
	return t
}
