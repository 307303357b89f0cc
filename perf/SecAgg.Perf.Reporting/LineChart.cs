using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;
using OxyPlot.Series;

namespace SecAgg.Perf.Reporting;

/// <summary>
/// A line chart for benchmark reports (OxyPlot, exported as SVG): linear or log axes with compact tick labels, one line
/// with circle markers per series, an optional whisker per point (its spread), optional dashed horizontal reference lines
/// (a goal such as "2x plaintext") and a legend.
/// </summary>
public sealed class LineChart
{
    /// <summary>The tag of the untitled series that draws a series' whiskers.</summary>
    public const string SpreadTag = "spread";

    /// <summary>The exported width in pixels.</summary>
    public const double Width = 760;

    /// <summary>The exported height in pixels.</summary>
    public const double Height = 440;

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
    /// <exception cref="ArgumentException">No series has a point, a value is NaN or infinite, or a log axis meets a value ≤ 0.</exception>
    public string Render(IReadOnlyList<ChartSeries> series) => ChartStyle.Svg(Model(series), Width, Height);

    /// <summary>The plot model: per series a titled <see cref="LineSeries"/> of its points, then (if it has a spread) an untitled one tagged <see cref="SpreadTag"/> whose segments are the whiskers.</summary>
    /// <exception cref="ArgumentException">No series has a point, a value is NaN or infinite, or a log axis meets a value ≤ 0.</exception>
    public PlotModel Model(IReadOnlyList<ChartSeries> series)
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

        PlotModel model = ChartStyle.NewModel(Title);
        model.Axes.Add(Axis(xs, XScale, AxisPosition.Bottom, XLabel, "x", nameof(series)));
        model.Axes.Add(Axis(ys, YScale, AxisPosition.Left, YLabel, "y", nameof(series)));
        foreach (var (value, label) in References)
        {
            model.Annotations.Add(new LineAnnotation
            {
                Type = LineAnnotationType.Horizontal,
                Y = value,
                Color = OxyColor.FromRgb(0x55, 0x55, 0x55),
                LineStyle = LineStyle.Dash,
                Text = label,
            });
        }

        for (int i = 0; i < series.Count; i++)
        {
            ChartSeries s = series[i];
            OxyColor color = ChartStyle.Color(i);
            var ordered = s.Points.Select((p, k) => (p, k)).OrderBy(q => q.p.X).ToList();
            var line = new LineSeries { Title = s.Name, Color = color, StrokeThickness = 2, MarkerType = MarkerType.Circle, MarkerSize = 3.5, MarkerFill = color };
            line.Points.AddRange(ordered.Select(q => new DataPoint(q.p.X, q.p.Y)));
            model.Series.Add(line);
            if (s.Spread is { } spread)
            {
                // One segment per point, separated by NaN points (where OxyPlot breaks a line).
                var whiskers = new LineSeries { Tag = SpreadTag, Color = color, StrokeThickness = 1, RenderInLegend = false };
                foreach (var (p, k) in ordered.Where(q => q.k < spread.Count))
                {
                    whiskers.Points.AddRange([new DataPoint(p.X, spread[k].Low), new DataPoint(p.X, spread[k].High), DataPoint.Undefined]);
                }

                model.Series.Add(whiskers);
            }
        }

        return model;
    }

    private static Axis Axis(IReadOnlyList<double> values, AxisScale scale, AxisPosition position, string title, string axisName, string paramName)
    {
        if (values.Any(v => !double.IsFinite(v)))
        {
            throw new ArgumentException($"The {axisName} values include NaN or infinity.", paramName);
        }

        double lo = values.Min(), hi = values.Max();
        Axis axis;
        if (scale == AxisScale.Log10)
        {
            if (lo <= 0)
            {
                throw new ArgumentException($"The {axisName} axis is logarithmic but a value is {lo}; use a linear axis or drop non-positive values.", paramName);
            }

            double pad = Math.Max(0.05 * Math.Log10(hi / lo), 0.1); // in decades
            axis = new LogarithmicAxis { Minimum = lo / Math.Pow(10, pad), Maximum = hi * Math.Pow(10, pad) };
        }
        else
        {
            if (lo > 0 && lo < hi * 0.5)
            {
                lo = 0; // A linear axis of positive quantities starts at zero unless that squashes the data.
            }

            double pad = hi > lo ? 0.05 * (hi - lo) : 1;
            axis = new LinearAxis { Minimum = lo == 0 ? 0 : lo - pad, Maximum = hi + pad };
        }

        axis.Position = position;
        axis.Title = title;
        axis.LabelFormatter = ChartStyle.Format;
        axis.MajorGridlineStyle = LineStyle.Solid;
        axis.MajorGridlineColor = ChartStyle.Grid;
        return axis;
    }
}
