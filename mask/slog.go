package mask

import (
	"context"
	"log/slog"
	"strings"
)

// Handler masks the message and every string attribute of the records it passes on to
// next (errors as their text), so a line about a call never carries a phone number or a
// recording URL, whichever value quoted it (Kendo's error text, an event name, a warning).
// Attributes whose key names an id (alowareCallId, kendoCallId, keyId …) are left as
// they are: they identify, and the operator needs them whole.
func Handler(next slog.Handler) slog.Handler {
	if h, ok := next.(*handler); ok {
		return h
	}
	return &handler{next: next}
}

type handler struct{ next slog.Handler }

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, Text(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	masked := make([]slog.Attr, len(as))
	for i, a := range as {
		masked[i] = attr(a)
	}
	return &handler{next: h.next.WithAttrs(masked)}
}

func (h *handler) WithGroup(name string) slog.Handler { return &handler{next: h.next.WithGroup(name)} }

func attr(a slog.Attr) slog.Attr {
	if namesID(a.Key) {
		return a
	}
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, Text(v.String()))
	case slog.KindGroup:
		group := v.Group()
		masked := make([]any, len(group))
		for i, g := range group {
			masked[i] = attr(g)
		}
		return slog.Group(a.Key, masked...)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, Text(x.Error()))
		case []string:
			return slog.Any(a.Key, Texts(x))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}

func namesID(key string) bool {
	return key == "id" || strings.HasSuffix(key, "Id") || strings.HasSuffix(key, "ID")
}
