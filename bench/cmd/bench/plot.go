package main

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// One color per server, the same in every plot.
var serverColors = map[string]color.Color{
	emulatorName:         color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	"go-jose":            color.RGBA{R: 0x7f, G: 0x7f, B: 0x7f, A: 0xff},
	"mockoidc":           color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
	"oauth2-mock-server": color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	"oidc-provider":      color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
}

// writePlots writes benchmarks-throughput.png, benchmarks-latency.png and
// benchmarks-memory.png to dir.
func (r *report) writePlots(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := r.plotThroughput(filepath.Join(dir, "benchmarks-throughput.png")); err != nil {
		return fmt.Errorf("throughput plot: %w", err)
	}
	if err := r.plotLatency(filepath.Join(dir, "benchmarks-latency.png")); err != nil {
		return fmt.Errorf("latency plot: %w", err)
	}
	if len(r.sessions) > 0 {
		if err := r.plotMemory(filepath.Join(dir, "benchmarks-memory.png")); err != nil {
			return fmt.Errorf("memory plot: %w", err)
		}
	}
	return nil
}

// groupedBars draws one bar per server in each group of operations.
func (r *report) groupedBars(title string, ops []string, servers []string) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = "requests per CPU-second of the server (median)"
	p.Legend.Top = true
	p.Y.Tick.Marker = plot.TickerFunc(integerTicks)
	width := vg.Points(14)

	var measured []string
	for _, s := range servers {
		for _, op := range ops {
			if r.cpuRate(s, op) > 0 {
				measured = append(measured, s)
				break
			}
		}
	}

	for i, s := range measured {
		values := make(plotter.Values, len(ops))
		for j, op := range ops {
			values[j] = r.cpuRate(s, op)
		}
		bars, err := plotter.NewBarChart(values, width)
		if err != nil {
			return nil, err
		}
		bars.Color = serverColors[s]
		bars.LineStyle.Width = 0
		bars.Offset = width * vg.Length(2*i-len(measured)+1) / 2
		p.Add(bars)
		p.Legend.Add(s, bars)
	}
	p.NominalX(ops...)
	p.X.Tick.Label.Rotation = 0.4
	p.X.Tick.Label.XAlign = draw.XRight
	p.Add(plotter.NewGrid())
	// Headroom above the highest bar keeps the legend clear of the bars.
	p.Y.Min = 0
	p.Y.Max *= 1.45
	return p, nil
}

// integerTicks labels a linear axis with whole numbers.
func integerTicks(min, max float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(min, max)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = strconv.FormatFloat(ticks[i].Value, 'f', 0, 64)
		}
	}
	return ticks
}

func (r *report) plotThroughput(path string) error {
	left, err := r.groupedBars("Metadata", []string{opDiscovery, opJWKS}, append([]string{emulatorName}, peerNames...))
	if err != nil {
		return err
	}
	right, err := r.groupedBars("Tokens (RS256)", []string{opClientCredentials, opPassword, opRefresh, opAuthCode, opSign},
		append([]string{emulatorName, "go-jose"}, peerNames...))
	if err != nil {
		return err
	}
	const w, h = 26 * vg.Centimeter, 10 * vg.Centimeter
	img := vgimg.New(w, h)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Centimeter, PadY: vg.Millimeter * 3, PadTop: vg.Millimeter * 3, PadLeft: vg.Millimeter * 3, PadRight: vg.Millimeter * 3}
	plots := [][]*plot.Plot{{left, right}}
	canvases := plot.Align(plots, tiles, dc)
	left.Draw(canvases[0][0])
	right.Draw(canvases[0][1])
	return savePNG(img, path)
}

// plotLatency draws p50 and p99 of every measured operation on a log
// scale, because they span three orders of magnitude.
func (r *report) plotLatency(path string) error {
	p := plot.New()
	p.Title.Text = "smartmate-mock latency per operation"
	p.Y.Label.Text = "milliseconds (log scale)"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Legend.Top = true

	var ops []string
	var p50, p99 plotter.XYs
	for _, res := range r.results {
		if res.target != emulatorName || res.skipped != "" || len(res.p50) == 0 {
			continue
		}
		x := float64(len(ops))
		ops = append(ops, res.op)
		p50 = append(p50, plotter.XY{X: x, Y: summarize(durations(res.p50)).median / 1e6})
		p99 = append(p99, plotter.XY{X: x, Y: summarize(durations(res.p99)).median / 1e6})
	}
	if len(ops) == 0 {
		return nil
	}

	for _, series := range []struct {
		name  string
		xys   plotter.XYs
		shape draw.GlyphDrawer
		color color.Color
	}{
		{"p50", p50, draw.CircleGlyph{}, serverColors[emulatorName]},
		{"p99", p99, draw.TriangleGlyph{}, serverColors["oidc-provider"]},
	} {
		s, err := plotter.NewScatter(series.xys)
		if err != nil {
			return err
		}
		s.GlyphStyle = draw.GlyphStyle{Shape: series.shape, Color: series.color, Radius: vg.Points(4)}
		p.Add(s)
		p.Legend.Add(series.name, s)
	}
	p.NominalX(ops...)
	p.X.Min, p.X.Max = -0.5, float64(len(ops))-0.5
	p.Y.Max *= 3
	p.X.Tick.Label.Rotation = 0.4
	p.X.Tick.Label.XAlign = draw.XRight
	p.Add(plotter.NewGrid())
	return p.Save(22*vg.Centimeter, 11*vg.Centimeter, path)
}

// plotMemory draws VmRSS over time during each memory run.
func (r *report) plotMemory(path string) error {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("smartmate-mock VmRSS during %d password grants", r.opts.sessions)
	p.X.Label.Text = "seconds since the grants began"
	p.Y.Label.Text = "MiB"
	p.Y.Min = 0
	p.Legend.Top = true
	p.Legend.Left = true

	colors := []color.Color{serverColors[emulatorName], serverColors["oauth2-mock-server"]}
	for i, s := range r.sessions {
		xys := make(plotter.XYs, 0, len(s.samples)+1)
		xys = append(xys, plotter.XY{X: 0, Y: float64(s.before) / (1 << 20)})
		for _, sample := range s.samples {
			xys = append(xys, plotter.XY{X: sample.at.Seconds(), Y: float64(sample.rss) / (1 << 20)})
		}
		if len(xys) == 0 {
			continue
		}
		line, err := plotter.NewLine(xys)
		if err != nil {
			return err
		}
		line.Color = colors[i%len(colors)]
		line.Width = vg.Points(1.5)
		p.Add(line)
		p.Legend.Add(s.label, line)
	}
	p.Add(plotter.NewGrid())
	p.Y.Max *= 1.3
	p.Y.Tick.Marker = plot.TickerFunc(integerTicks)
	return p.Save(18*vg.Centimeter, 10*vg.Centimeter, path)
}

func savePNG(img *vgimg.Canvas, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
