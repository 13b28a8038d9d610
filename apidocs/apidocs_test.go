package apidocs_test

import (
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/aloware-kendo/aloware-kendo/apidocs"
	"github.com/aloware-kendo/aloware-kendo/handlers"
)

// The service's own document, as /docs renders it: every operation is there with its
// method, path, summary, parameters, request and response schemas and credentials.
func TestRenderShowsEveryOperationOfTheServiceSpec(t *testing.T) {
	srv := httptest.NewServer(handlers.New(handlers.Deps{}))
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL + "/docs")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	page := string(body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("/docs: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe") {
		t.Errorf("CSP %q", csp)
	}
	if regexp.MustCompile(`(?i)<script|https?://[^"<\s]*(cdn|unpkg|jsdelivr|googleapis)`).MatchString(page) {
		t.Error("the page loads a script or refers to a CDN")
	}

	spec, err := handlers.OpenAPIYAML()
	if err != nil {
		t.Fatal(err)
	}
	ops := 0
	for _, m := range regexp.MustCompile(`(?m)^      operationId: (.+)$`).FindAllStringSubmatch(string(spec), -1) {
		ops++
		if !strings.Contains(page, `id="op-`+m[1]+`"`) {
			t.Errorf("operation %s missing", m[1])
		}
	}
	if ops < 8 {
		t.Fatalf("only %d operations in the spec?", ops)
	}
	for _, want := range []string{
		// method + path, summary, description with its markdown rendered
		`<span class="method post">POST</span> <code class="path">/push</code>`,
		`Take in one Aloware webhook delivery`,
		`Aloware&#39;s test delivery <code>{&#34;test_payload&#34;: true}</code>`,
		// a parameter with its type and description
		`<code>wait</code></td><td>query</td><td>string</td>`,
		`<code>alowareCallId</code> <span class="req">required</span></td><td>path</td>`,
		// request body: the named schema expanded, with its required fields flagged
		`<a href="#schema-KendoPushPayload">KendoPushPayload</a> (object)`,
		`<code class="name">repEmail</code> <span class="type">string</span>`,
		`format email`,
		// a field whose type is a reference with a doc of its own (allOf [$ref]) reads as that type
		`<code class="name">analysis</code> <span class="type"><a href="#schema-Analysis">Analysis</a></span>`,
		// a combination spelled out
		`Matches at least one of:`, `requires transcript`,
		// responses, with the problem shape named, not repeated
		`<span class="status s2">202</span>`, `<span class="status s4">422</span>`,
		`<code>application/problem&#43;json</code>: <a href="#schema-ErrorModel">ErrorModel</a>`,
		// security in words
		`<strong>Credentials:</strong> bearerAuth or basicAuth`,
		`<strong>Credentials:</strong> optional: bearerAuth or basicAuth (or none)`,
		`<strong>Credentials:</strong> none: open to every caller`,
		// the schema section
		`id="schema-CallRecord"`, `id="schema-MapResult"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
}

// Descriptions are markdown; whatever they contain, they never become markup of their own.
func TestDescriptionsAreEscapedMarkdown(t *testing.T) {
	doc := &huma.OpenAPI{
		Info:  &huma.Info{Title: "t", Version: "1", Description: "Use **POST /push** with `<b>raw</b>` and [the spec](/openapi.yaml).\n\n- one *item*\n- two\n\n<script>alert(1)</script> [x](javascript:alert(1))"},
		Paths: map[string]*huma.PathItem{"/x": {Get: &huma.Operation{OperationID: "get-x", Summary: "<img src=x>", Responses: map[string]*huma.Response{"200": {Description: "ok"}}}}},
	}
	b, err := apidocs.Render(doc)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, want := range []string{
		"<p>Use <strong>POST /push</strong> with <code>&lt;b&gt;raw&lt;/b&gt;</code> and <a href=\"/openapi.yaml\">the spec</a>.</p>",
		"<ul><li>one <em>item</em></li><li>two</li></ul>",
		"&lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:alert(1))",
		"&lt;img src=x&gt;",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s\n%s", html.EscapeString(want), page)
		}
	}
	if strings.Contains(page, "<script>") || strings.Contains(page, `href="javascript`) {
		t.Error("markup from a description reached the page")
	}
}
