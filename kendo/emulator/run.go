package emulator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"
)

// Run serves an Emulator on listen until ctx is done, then shuts down
// gracefully (in-flight requests get shutdownGrace to finish). It returns nil
// after a clean shutdown. It backs `aloware-kendo kendo-emulator`.
func Run(ctx context.Context, listen string, opts Options, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if opts.Logger == nil {
		opts.Logger = logger
	}
	e := New(opts)
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("kendo emulator: %w", err)
	}
	srv := &http.Server{
		Handler:           e,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second, // a 5 MiB body on a slow link
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	attrs := []any{"addr", ln.Addr().String(), "rate", e.rate.String(), "ingest", "POST " + IngestPath, "keys", keyMode(e.keys)}
	if e.webhook.URL != "" {
		attrs = append(attrs, "webhook", shownURL(e.webhook.URL), "analysisDelay", e.webhook.Delay.String())
	}
	logger.Info("kendo emulator listening", attrs...)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served: // Serve failed on its own
		return fmt.Errorf("kendo emulator: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	e.Close()
	if serveErr := <-served; !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
		err = serveErr
	}
	logger.Info("kendo emulator stopped", "accepted", len(e.Calls()))
	return err
}

const shutdownGrace = 10 * time.Second

// shownURL is a URL fit for a log line: no password, no query (either may hold a secret).
func shownURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "[unparseable URL]"
	}
	u.RawQuery, u.Fragment = "", ""
	return u.Redacted()
}

func keyMode(keys []string) string {
	if len(keys) == 0 {
		return "any pk_ key"
	}
	return fmt.Sprintf("%d configured", len(keys))
}
