package ui

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strconv"
)

//go:embed templates/*.html static/*
var embedded embed.FS

// assets are the embedded files and the static ones ready to serve: each with a content
// hash for its URL (so a browser may keep it for good) and a gzipped copy.
type assets struct {
	fs     fs.FS
	static map[string]*staticFile
}

type staticFile struct {
	body, gz    []byte
	hash, ctype string
}

var contentTypes = map[string]string{".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}

func loadAssets() *assets {
	a := &assets{fs: embedded, static: map[string]*staticFile{}}
	entries, err := fs.ReadDir(embedded, "static")
	if err != nil {
		panic(err) // embedded at build time
	}
	for _, e := range entries {
		body, err := fs.ReadFile(embedded, "static/"+e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(body)
		var z bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
		_, _ = zw.Write(body)
		_ = zw.Close()
		a.static[e.Name()] = &staticFile{body: body, gz: z.Bytes(), hash: hex.EncodeToString(sum[:6]), ctype: contentTypes[path.Ext(e.Name())]}
	}
	return a
}

// url is a static file's address, versioned by its content.
func (a *assets) url(name string) string {
	f, ok := a.static[name]
	if !ok {
		panic("ui: no static file " + name) // a template names a file that is not embedded
	}
	return "/ui/static/" + name + "?v=" + f.hash
}

func (s *server) static(w http.ResponseWriter, r *http.Request) {
	f, ok := s.assets.static[r.PathValue("file")]
	if !ok {
		s.notFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", `"`+f.hash+`"`)
	if r.Header.Get("If-None-Match") == `"`+f.hash+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := f.body
	if acceptsGzip(r) {
		body = f.gz
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}
