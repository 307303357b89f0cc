using System.Globalization;
using System.Security;
using System.Text;

namespace SecAgg.Perf.Reporting;

/// <summary>One horizontal bar: a label and its segments (one value per <see cref="SvgStackedBarChart"/> segment name, same order).</summary>
/// <param name="Label">The bar's label (left of the bar).</param>
/// <param name="Values">Segment lengths, ≥ 0 (negative values are drawn as 0).</param>
public sealed record StackedBar(string Label, IReadOnlyList<double> Values);

/// <summary>A dependency-free SVG chart of horizontal stacked bars (for example the stages of a round), with a legend.</summary>
public sealed class SvgStackedBarChart
{
    private const int Width = 960;
    private const int Left = 190;
    private const int Right = 260;
    private const int Top = 50;
    private const int BarHeight = 18;
    private const int Gap = 8;

    private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

    /// <summary>The chart title.</summary>
    public required string Title { get; init; }

    /// <summary>The value axis label (with unit).</summary>
    public required string XLabel { get; init; }

    /// <summary>The segment names (legend), in stacking order.</summary>
    public required IReadOnlyList<string> Segments { get; init; }

    /// <summary>Renders the bars as a standalone SVG document.</summary>
    /// <exception cref="ArgumentException">No bars, a bar with a different number of values than segments, or a non-finite value.</exception>
    public string Render(IReadOnlyList<StackedBar> bars)
    {
        ArgumentNullException.ThrowIfNull(bars);
        if (bars.Count == 0)
        {
            throw new ArgumentException("The chart has no bars to draw.", nameof(bars));
        }

        foreach (StackedBar b in bars)
        {
            if (b.Values.Count != Segments.Count)
            {
                throw new ArgumentException($"Bar '{b.Label}' has {b.Values.Count} values for {Segments.Count} segments.", nameof(bars));
            }

            if (b.Values.Any(v => !double.IsFinite(v)))
            {
                throw new ArgumentException($"Bar '{b.Label}' has a NaN or infinite value.", nameof(bars));
            }
        }

        double max = bars.Max(b => b.Values.Sum(v => Math.Max(0, v)));
        if (max <= 0)
        {
            max = 1;
        }

        double step = NiceStep(max / 5);
        double end = Math.Ceiling(max / step) * step;
        int plotHeight = bars.Count * (BarHeight + Gap);
        int height = Top + Math.Max(plotHeight, (Segments.Count * 20) + 10) + 60;
        double plotWidth = Width - Left - Right;
        double Px(double v) => Left + (v / end * plotWidth);

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{Width}\" height=\"{height}\" fill=\"white\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"24\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">{Escape(Title)}</text>\n");
        for (double t = 0; t <= end + (step / 2); t += step)
        {
            double px = Px(t);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{px:0.#}\" y1=\"{Top}\" x2=\"{px:0.#}\" y2=\"{Top + plotHeight}\" stroke=\"#e5e5e5\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{px:0.#}\" y=\"{Top + plotHeight + 18}\" text-anchor=\"middle\">{Escape(SvgLineChart.Format(Math.Round(t / step) * step))}</text>\n");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left + (plotWidth / 2)}\" y=\"{height - 18}\" text-anchor=\"middle\">{Escape(XLabel)}</text>\n");
        for (int i = 0; i < bars.Count; i++)
        {
            double y = Top + (i * (BarHeight + Gap)) + (Gap / 2.0);
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{y + BarHeight - 5:0.#}\" text-anchor=\"end\">{Escape(bars[i].Label)}</text>\n");
            double x = 0;
            for (int s = 0; s < Segments.Count; s++)
            {
                double v = Math.Max(0, bars[i].Values[s]);
                if (v > 0)
                {
                    svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Px(x):0.##}\" y=\"{y:0.#}\" width=\"{Px(x + v) - Px(x):0.##}\" height=\"{BarHeight}\" fill=\"{Palette[s % Palette.Length]}\"><title>{Escape(bars[i].Label)}: {Escape(Segments[s])} {Escape(SvgLineChart.Format(v))}</title></rect>\n");
                }

                x += v;
            }

            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Px(x) + 4:0.#}\" y=\"{y + BarHeight - 5:0.#}\" fill=\"#333\">{Escape(SvgLineChart.Format(x))}</text>\n");
        }

        for (int s = 0; s < Segments.Count; s++)
        {
            double ly = Top + 10 + (s * 20);
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Width - Right + 50}\" y=\"{ly - 7}\" width=\"14\" height=\"14\" fill=\"{Palette[s % Palette.Length]}\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - Right + 70}\" y=\"{ly + 4}\">{Escape(Segments[s])}</text>\n");
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static string Escape(string text) => SecurityElement.Escape(text) ?? string.Empty;

    private static double NiceStep(double rough)
    {
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        double fraction = rough / magnitude;
        return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * magnitude;
    }
}
