package sim

import (
	"fmt"
	"html"
	"io"
	"sort"
	"strings"

	"hallq/controller/internal/queue"
)

// palette gives each policy a colour that stays apart on screen and in
// grey print; the composite is drawn thick.
var palette = []string{"#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"}

// WriteSVG draws the wait distribution of each channel as one panel of
// cumulative curves, one per policy: the share of tickets called within x
// minutes. The 30-minute target and the 95% level are marked, so a
// manager sees at a glance which rule keeps which channel inside it.
func WriteSVG(w io.Writer, sc *Scenario, ms []*Metrics) error {
	const (
		pw, ph     = 420, 260 // panel plot area
		ml, mt     = 60, 40   // panel margins
		gapX, gapY = 90, 80
		xmax       = 60.0 // minutes shown; longer waits pile up at the right edge
	)
	cols := 2
	width := ml + cols*(pw+gapX)
	legendH := 24 * ((len(ms) + 3) / 4)
	height := 70 + 2*(ph+gapY) + legendH
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="24" font-size="16" font-weight="bold">%s</text>`+"\n", ml, html.EscapeString(fmt.Sprintf("Wait distribution per channel: %s (%s)", sc.Name, sc.Description)))
	fmt.Fprintf(&b, `<text x="%d" y="42" fill="#555">share of tickets called within x minutes; dashed: 30-minute target and 95%% level</text>`+"\n", ml)
	names := map[queue.Channel]string{queue.Green: "green 绿色通道", queue.Love: "love 爱心通道", queue.Appointment: "appointment 预约", queue.Normal: "normal 普通"}
	for i, ch := range chanOrder {
		ox := ml + (i%cols)*(pw+gapX)
		oy := 70 + (i/cols)*(ph+gapY)
		fmt.Fprintf(&b, `<g transform="translate(%d,%d)">`+"\n", ox, oy)
		fmt.Fprintf(&b, `<text x="0" y="-8" font-weight="bold">%s</text>`+"\n", html.EscapeString(names[ch]))
		fmt.Fprintf(&b, `<rect x="0" y="0" width="%d" height="%d" fill="none" stroke="#999"/>`+"\n", pw, ph)
		// Y axis runs from 50% to 100%: below half nothing matters.
		y := func(share float64) float64 {
			share = max(share, 0.5)
			return float64(ph) * (1 - (share-0.5)/0.5)
		}
		x := func(min float64) float64 { return float64(pw) * min / xmax }
		for _, t := range []float64{0, 10, 20, 30, 40, 50, 60} {
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#999"/><text x="%.1f" y="%d" text-anchor="middle">%g</text>`+"\n", x(t), ph, x(t), ph+5, x(t), ph+18, t)
		}
		for _, s := range []float64{0.5, 0.6, 0.7, 0.8, 0.9, 1} {
			fmt.Fprintf(&b, `<line x1="-5" y1="%.1f" x2="0" y2="%.1f" stroke="#999"/><text x="-8" y="%.1f" text-anchor="end" dominant-baseline="middle">%.0f%%</text>`+"\n", y(s), y(s), y(s), 100*s)
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">wait (minutes)</text>`+"\n", pw/2, ph+34)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="0" x2="%.1f" y2="%d" stroke="#444" stroke-dasharray="4 3"/>`+"\n", x(30), x(30), ph)
		fmt.Fprintf(&b, `<line x1="0" y1="%.1f" x2="%d" y2="%.1f" stroke="#444" stroke-dasharray="4 3"/>`+"\n", y(0.95), pw, y(0.95))
		for k, m := range ms {
			waits := m.Channel[ch].waits
			if len(waits) == 0 {
				continue
			}
			if !sort.Float64sAreSorted(waits) {
				sort.Float64s(waits)
			}
			var pts strings.Builder
			n := float64(len(waits))
			// Step function sampled every 0.25 minute.
			j := 0
			for t := 0.0; t <= xmax+1e-9; t += 0.25 {
				for j < len(waits) && waits[j] <= t {
					j++
				}
				fmt.Fprintf(&pts, "%.1f,%.1f ", x(t), y(float64(j)/n))
			}
			sw := 1.5
			if m.Policy == "composite" {
				sw = 3
			}
			fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="%.1f" points="%s"><title>%s</title></polyline>`+"\n",
				palette[k%len(palette)], sw, strings.TrimSpace(pts.String()), html.EscapeString(m.Policy))
		}
		b.WriteString("</g>\n")
	}
	ly := 70 + 2*(ph+gapY) - 20
	for k, m := range ms {
		lx := ml + (k%4)*200
		yy := ly + 24*(k/4)
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="3"/><text x="%d" y="%d" dominant-baseline="middle">%s</text>`+"\n",
			lx, yy, lx+30, yy, palette[k%len(palette)], lx+36, yy, html.EscapeString(m.Policy))
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}
