using System.Globalization;
using System.Security;
using System.Text;

namespace SecAgg.Perf.Reporting;

/// <summary>How an axis maps values to positions.</summary>
public enum AxisScale
{
    /// <summary>Evenly spaced values, "nice" tick steps (1, 2, 5 × 10^k).</summary>
    Linear,

    /// <summary>Evenly spaced decades; every value must be positive.</summary>
    Log10,
}

/// <summary>One line of a chart: a name for the legend and its (x, y) points; an optional band gives each point's spread.</summary>
/// <param name="Name">The legend entry.</param>
/// <param name="Points">The points, drawn in x order.</param>
/// <param name="Spread">Optional (low, high) per point (for example the interquartile range), drawn as a whisker.</param>
public sealed record ChartSeries(string Name, IReadOnlyList<(double X, double Y)> Points, IReadOnlyList<(double Low, double High)>? Spread = null);

/// <summary>
/// A dependency-free SVG line chart for benchmark reports: axes (linear or log), grid, markers, optional spread whiskers,
/// optional horizontal reference lines (a goal such as "2× plaintext"), and a legend.
/// </summary>
public sealed class SvgLineChart
{
    private const int Width = 720;
    private const int Height = 440;
    private const int Left = 80;
    private const int Right = 190;
    private const int Top = 50;
    private const int Bottom = 60;

    private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

    /// <summary>The chart title.</summary>
    public required string Title { get; init; }

    /// <summary>The x-axis label (with unit).</summary>
    public required string XLabel { get; init; }

    /// <summary>The y-axis label (with unit).</summary>
    public required string YLabel { get; init; }

    /// <summary>The x-axis scale.</summary>
    public AxisScale XScale { get; init; } = AxisScale.Linear;

    /// <summary>The y-axis scale.</summary>
    public AxisScale YScale { get; init; } = AxisScale.Linear;

    /// <summary>Horizontal reference lines, each with a label.</summary>
    public IReadOnlyList<(double Y, string Label)> References { get; init; } = [];

    /// <summary>Renders the chart as a standalone SVG document.</summary>
    /// <exception cref="ArgumentException">No series has a point, or a log axis meets a value ≤ 0.</exception>
    public string Render(IReadOnlyList<ChartSeries> series)
    {
        ArgumentNullException.ThrowIfNull(series);
        var xs = series.SelectMany(s => s.Points.Select(p => p.X)).ToList();
        var ys = series.SelectMany(s => s.Points.Select(p => p.Y))
            .Concat(series.Where(s => s.Spread is not null).SelectMany(s => s.Spread!.SelectMany(b => new[] { b.Low, b.High })))
            .Concat(References.Select(r => r.Y))
            .ToList();
        if (xs.Count == 0)
        {
            throw new ArgumentException("The chart has no points to draw.", nameof(series));
        }

        Axis x = Axis.Create(xs, XScale, nameof(series), "x");
        Axis y = Axis.Create(ys, YScale, nameof(series), "y");
        double plotWidth = Width - Left - Right, plotHeight = Height - Top - Bottom;
        double Px(double v) => Left + (x.Fraction(v) * plotWidth);
        double Py(double v) => Top + plotHeight - (y.Fraction(v) * plotHeight);

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"24\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">{Escape(Title)}</text>\n");
        foreach (double t in x.Ticks)
        {
            double px = Px(t);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{px:0.#}\" y1=\"{Top}\" x2=\"{px:0.#}\" y2=\"{Top + plotHeight}\" stroke=\"#e5e5e5\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{px:0.#}\" y=\"{Top + plotHeight + 18}\" text-anchor=\"middle\">{Escape(Format(t))}</text>\n");
        }

        foreach (double t in y.Ticks)
        {
            double py = Py(t);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{py:0.#}\" x2=\"{Left + plotWidth}\" y2=\"{py:0.#}\" stroke=\"#e5e5e5\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{py + 4:0.#}\" text-anchor=\"end\">{Escape(Format(t))}</text>\n");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{plotWidth}\" height=\"{plotHeight}\" fill=\"none\" stroke=\"#333\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left + (plotWidth / 2)}\" y=\"{Height - 18}\" text-anchor=\"middle\">{Escape(XLabel)}</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text transform=\"translate(18 {Top + (plotHeight / 2)}) rotate(-90)\" text-anchor=\"middle\">{Escape(YLabel)}</text>\n");
        foreach (var (value, label) in References)
        {
            double py = Py(value);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{py:0.#}\" x2=\"{Left + plotWidth}\" y2=\"{py:0.#}\" stroke=\"#555\" stroke-dasharray=\"6 4\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left + plotWidth - 4}\" y=\"{py - 5:0.#}\" text-anchor=\"end\" fill=\"#555\">{Escape(label)}</text>\n");
        }

        for (int i = 0; i < series.Count; i++)
        {
            ChartSeries s = series[i];
            string color = Palette[i % Palette.Length];
            var ordered = s.Points.Select((p, k) => (p, k)).OrderBy(q => q.p.X).ToList();
            if (ordered.Count > 1)
            {
                string path = string.Join(' ', ordered.Select(q => string.Create(CultureInfo.InvariantCulture, $"{Px(q.p.X):0.#},{Py(q.p.Y):0.#}")));
                svg.Append(CultureInfo.InvariantCulture, $"<polyline points=\"{path}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"/>\n");
            }

            foreach (var (p, k) in ordered)
            {
                if (s.Spread is { } spread && k < spread.Count)
                {
                    double px = Px(p.X);
                    svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{px:0.#}\" y1=\"{Py(spread[k].Low):0.#}\" x2=\"{px:0.#}\" y2=\"{Py(spread[k].High):0.#}\" stroke=\"{color}\"/>\n");
                }

                svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{Px(p.X):0.#}\" cy=\"{Py(p.Y):0.#}\" r=\"3.5\" fill=\"{color}\"><title>{Escape(s.Name)}: ({Format(p.X)}, {Format(p.Y)})</title></circle>\n");
            }

            double ly = Top + 10 + (i * 20);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Width - Right + 15}\" y1=\"{ly}\" x2=\"{Width - Right + 40}\" y2=\"{ly}\" stroke=\"{color}\" stroke-width=\"2\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - Right + 46}\" y=\"{ly + 4}\">{Escape(s.Name)}</text>\n");
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>Formats a tick value compactly: 1e+06 → 1M, 0.5 → 0.5, 20000 → 20k.</summary>
    public static string Format(double value)
    {
        double a = Math.Abs(value);
        return a switch
        {
            >= 1e9 => (value / 1e9).ToString("0.##", CultureInfo.InvariantCulture) + "G",
            >= 1e6 => (value / 1e6).ToString("0.##", CultureInfo.InvariantCulture) + "M",
            >= 1e4 => (value / 1e3).ToString("0.##", CultureInfo.InvariantCulture) + "k",
            0 => "0",
            < 1e-3 => value.ToString("0.##E+0", CultureInfo.InvariantCulture),
            _ => value.ToString("0.###", CultureInfo.InvariantCulture),
        };
    }

    private static string Escape(string text) => SecurityElement.Escape(text) ?? string.Empty;

    private sealed class Axis
    {
        private readonly double _min;
        private readonly double _max;
        private readonly AxisScale _scale;

        private Axis(double min, double max, AxisScale scale, IReadOnlyList<double> ticks)
        {
            _min = min;
            _max = max;
            _scale = scale;
            Ticks = ticks;
        }

        public IReadOnlyList<double> Ticks { get; }

        public static Axis Create(IReadOnlyList<double> values, AxisScale scale, string paramName, string axisName)
        {
            if (values.Any(v => !double.IsFinite(v)))
            {
                throw new ArgumentException($"The {axisName} values include NaN or infinity.", paramName);
            }

            double lo = values.Min(), hi = values.Max();
            if (scale == AxisScale.Log10)
            {
                if (lo <= 0)
                {
                    throw new ArgumentException($"The {axisName} axis is logarithmic but a value is {lo}; use a linear axis or drop non-positive values.", paramName);
                }

                double first = Math.Floor(Math.Log10(lo)), last = Math.Ceiling(Math.Log10(hi));
                if (first == last)
                {
                    last++;
                }

                var ticks = new List<double>();
                for (double e = first; e <= last; e++)
                {
                    ticks.Add(Math.Pow(10, e));
                }

                return new Axis(Math.Pow(10, first), Math.Pow(10, last), scale, ticks);
            }

            if (lo > 0 && lo < hi * 0.5)
            {
                lo = 0; // Let a linear axis of positive quantities start at zero unless that squashes the data.
            }

            if (lo == hi)
            {
                (lo, hi) = (lo - 1, hi + 1);
            }

            double step = NiceStep((hi - lo) / 5);
            double start = Math.Floor(lo / step) * step, end = Math.Ceiling(hi / step) * step;
            var linear = new List<double>();
            for (double t = start; t <= end + (step / 2); t += step)
            {
                linear.Add(Math.Round(t / step) * step);
            }

            return new Axis(start, end, scale, linear);
        }

        public double Fraction(double value) => _scale == AxisScale.Log10
            ? (Math.Log10(value) - Math.Log10(_min)) / (Math.Log10(_max) - Math.Log10(_min))
            : (value - _min) / (_max - _min);

        private static double NiceStep(double rough)
        {
            double magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
            double fraction = rough / magnitude;
            return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * magnitude;
        }
    }
}
