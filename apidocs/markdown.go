package apidocs

import (
	"html"
	"html/template"
	"regexp"
	"strings"
)

// The OpenAPI descriptions use a small part of CommonMark: paragraphs, `code`, **bold**,
// *emphasis*, [links](…) and "- " lists. markdown renders exactly that part; everything
// else stays literal text. It escapes first, so no input can produce markup of its own.

var (
	boldRe = regexp.MustCompile(`\*\*([^*]+)\*\*`)
	emRe   = regexp.MustCompile(`(^|[\s(])\*([^*\s][^*]*)\*`)
	linkRe = regexp.MustCompile(`\[([^\]]+)\]\(((?:https?://|/|#)[^)\s]*)\)`)
)

func markdown(s string) template.HTML {
	var b strings.Builder
	for _, block := range strings.Split(strings.ReplaceAll(strings.TrimSpace(s), "\r\n", "\n"), "\n\n") {
		lines := strings.Split(strings.TrimSpace(block), "\n")
		if lines[0] == "" {
			continue
		}
		if isList(lines) {
			b.WriteString("<ul>")
			for _, l := range lines {
				b.WriteString("<li>" + inline(strings.TrimSpace(l)[2:]) + "</li>")
			}
			b.WriteString("</ul>")
			continue
		}
		b.WriteString("<p>" + inline(strings.Join(lines, " ")) + "</p>")
	}
	return template.HTML(b.String()) // built from escaped text only
}

// inlineMarkdown is markdown for one line (a summary, a parameter's description).
func inlineMarkdown(s string) template.HTML { return template.HTML(inline(s)) }

func isList(lines []string) bool {
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if !strings.HasPrefix(l, "- ") && !strings.HasPrefix(l, "* ") {
			return false
		}
	}
	return true
}

// inline renders code spans verbatim and the other inline forms outside them.
func inline(s string) string {
	parts := strings.Split(s, "`")
	var b strings.Builder
	for i, p := range parts {
		esc := html.EscapeString(p)
		switch {
		case i%2 == 1 && i < len(parts)-1: // inside a closed code span
			b.WriteString("<code>" + esc + "</code>")
		case i%2 == 1: // an unmatched backtick: keep it
			b.WriteString("`" + decorate(esc))
		default:
			b.WriteString(decorate(esc))
		}
	}
	return b.String()
}

func decorate(esc string) string {
	esc = linkRe.ReplaceAllString(esc, `<a href="$2">$1</a>`)
	esc = boldRe.ReplaceAllString(esc, "<strong>$1</strong>")
	return emRe.ReplaceAllString(esc, "$1<em>$2</em>")
}
