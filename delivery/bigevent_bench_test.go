package delivery_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
)

// BenchmarkLongTranscript is the intake of one 4.9 MB transcript event of a fresh call:
// what one such push allocates (parse, fold, map, encode the merged call, store).
func BenchmarkLongTranscript(b *testing.B) {
	svc := startEngine(b, "sqlite:"+b.TempDir()+"/ak.db", "http://127.0.0.1:1/unused", engineOpts{settle: time.Hour})
	ctx := context.Background()
	raw := testenv.LongTranscript(b, "960000000", 4_900_000)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		ev := testenv.WithID(raw, "960000000", fmt.Sprint(961000000+i))
		if _, err := svc.Accept(ctx, ev); err != nil {
			b.Fatal(err)
		}
	}
}
