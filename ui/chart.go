package ui

import (
	"fmt"
	"math"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
)

// The calls chart is an SVG drawn here: one bar per minute (calls delivered, with the
// calls that ended failed stacked on top) and a line at the combined limit of the keys, so an
// operator sees at a glance whether the service runs at Kendo's pace.

const (
	chartW, chartH                       = 960, 220
	padLeft, padRight, padTop, padBottom = 34, 8, 10, 22
)

type chartView struct {
	W, H       int
	Bars       []chartBar
	Limit      *chartLine
	YTicks     []chartTick
	XTicks     []chartTick
	Summary    string
	PlotBottom float64
	PlotLeft   float64
	PlotRight  float64
	YLabelX    float64
}

type chartBar struct {
	X, W, Y, H      float64 // delivered
	FailY, FailH    float64 // failed, stacked on top
	Title           string
	HasOK, HasFails bool
}

type chartLine struct {
	Y     float64
	Label string
}

type chartTick struct {
	Pos   float64
	Label string
}

// buildChart lays out per-minute counts (oldest first); limitPerMin is the keys' combined
// limit per minute, 0 when unknown.
func buildChart(minutes []delivery.MinuteCount, limitPerMin float64) *chartView {
	if len(minutes) == 0 {
		return nil
	}
	c := &chartView{W: chartW, H: chartH, PlotBottom: chartH - padBottom, PlotLeft: padLeft, PlotRight: chartW - padRight, YLabelX: padLeft - 4}
	peak, delivered, failed := 0, 0, 0
	var peakAt time.Time
	for _, m := range minutes {
		if n := m.Delivered + m.Failed; n > peak {
			peak, peakAt = n, m.Minute
		}
		delivered += m.Delivered
		failed += m.Failed
	}
	top := math.Max(float64(peak), limitPerMin*1.15)
	top = math.Max(niceCeil(top), 1)
	plotH := float64(chartH - padTop - padBottom)
	plotW := float64(chartW - padLeft - padRight)
	y := func(v float64) float64 { return round1(float64(padTop) + plotH - v/top*plotH) }
	step := plotW / float64(len(minutes))
	gap := 0.0
	if step >= 3 {
		gap = math.Min(1, step/4)
	}
	for i, m := range minutes {
		x := round1(float64(padLeft) + float64(i)*step)
		b := chartBar{X: x, W: round1(step - gap), HasOK: m.Delivered > 0, HasFails: m.Failed > 0,
			Title: fmt.Sprintf("%s: %d delivered, %d failed", m.Minute.UTC().Format("15:04"), m.Delivered, m.Failed)}
		b.Y = y(float64(m.Delivered))
		b.H = round1(c.PlotBottom - b.Y)
		b.FailY = y(float64(m.Delivered + m.Failed))
		b.FailH = round1(b.Y - b.FailY)
		c.Bars = append(c.Bars, b)
	}
	for _, v := range []float64{0, top / 2, top} {
		c.YTicks = append(c.YTicks, chartTick{Pos: y(v), Label: trimFloat(v)})
	}
	if limitPerMin > 0 {
		c.Limit = &chartLine{Y: y(limitPerMin), Label: "limit " + trimFloat(limitPerMin) + "/min"}
	}
	// An x label at every full hour (every 15 minutes when the chart spans under two hours).
	every := time.Hour
	if len(minutes) < 120 {
		every = 15 * time.Minute
	}
	for i, m := range minutes {
		if m.Minute.UTC().Truncate(every).Equal(m.Minute.UTC()) {
			c.XTicks = append(c.XTicks, chartTick{Pos: round1(float64(padLeft) + (float64(i)+0.5)*step), Label: m.Minute.UTC().Format("15:04")})
		}
	}
	first, last := minutes[0].Minute.UTC(), minutes[len(minutes)-1].Minute.UTC()
	c.Summary = fmt.Sprintf("Calls per minute from %s to %s UTC: %d delivered, %d failed", first.Format("15:04"), last.Format("15:04"), delivered, failed)
	if peak > 0 {
		c.Summary += fmt.Sprintf("; busiest minute %s with %d", peakAt.UTC().Format("15:04"), peak)
	}
	if limitPerMin > 0 {
		c.Summary += fmt.Sprintf("; the limit is %s per minute", trimFloat(limitPerMin))
	}
	c.Summary += "."
	return c
}

// limitPerMinute adds up the keys' limits, each converted to a per-minute pace.
func limitPerMinute(keys []delivery.KeyUse) float64 {
	total := 0.0
	for _, k := range keys {
		if k.Limit > 0 && k.Period > 0 {
			total += float64(k.Limit) * float64(time.Minute) / float64(k.Period)
		}
	}
	return total
}

// niceCeil rounds up to a round number for the axis (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8
// times a power of ten), close enough above v that the bars use the chart's height.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 0
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

func trimFloat(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%d", int(v))
	}
	return fmt.Sprintf("%.1f", v)
}
