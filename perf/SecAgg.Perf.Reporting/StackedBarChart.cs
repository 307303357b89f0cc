using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;
using OxyPlot.Series;

namespace SecAgg.Perf.Reporting;

/// <summary>
/// A chart of horizontal stacked bars for benchmark reports (OxyPlot, exported as SVG), for example the stages of a round:
/// one <see cref="BarSeries"/> per segment (the legend), the first bar at the top, each bar's total written at its end.
/// </summary>
public sealed class StackedBarChart
{
    /// <summary>The exported width in pixels.</summary>
    public const double Width = 1000;

    private const double RowHeight = 26;
    private const double Frame = 110; // title, value axis and its label

    /// <summary>The chart title.</summary>
    public required string Title { get; init; }

    /// <summary>The value axis label (with unit).</summary>
    public required string XLabel { get; init; }

    /// <summary>The segment names (legend), in stacking order.</summary>
    public required IReadOnlyList<string> Segments { get; init; }

    /// <summary>The exported height for <paramref name="bars"/> bars: a row per bar, at least room for the legend.</summary>
    public double Height(int bars) => Frame + (RowHeight * Math.Max(bars, Segments.Count));

    /// <summary>Renders the bars as a standalone SVG document.</summary>
    /// <exception cref="ArgumentException">No bars, a bar with a different number of values than segments, or a non-finite value.</exception>
    public string Render(IReadOnlyList<StackedBar> bars) => ChartStyle.Svg(Model(bars), Width, Height(bars.Count));

    /// <summary>The plot model: a category axis of the bar labels, one stacked <see cref="BarSeries"/> per segment (an item per bar), a text annotation per bar with its total.</summary>
    /// <exception cref="ArgumentException">No bars, a bar with a different number of values than segments, or a non-finite value.</exception>
    public PlotModel Model(IReadOnlyList<StackedBar> bars)
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

        PlotModel model = ChartStyle.NewModel(Title);
        var categories = new CategoryAxis { Position = AxisPosition.Left, StartPosition = 1, EndPosition = 0, GapWidth = 0.3 };
        categories.Labels.AddRange(bars.Select(b => b.Label));
        model.Axes.Add(categories);
        model.Axes.Add(new LinearAxis
        {
            Position = AxisPosition.Bottom,
            Title = XLabel,
            Minimum = 0,
            MaximumPadding = 0.12, // room for the totals
            LabelFormatter = ChartStyle.Format,
            MajorGridlineStyle = LineStyle.Solid,
            MajorGridlineColor = ChartStyle.Grid,
        });
        for (int s = 0; s < Segments.Count; s++)
        {
            var segment = new BarSeries { Title = Segments[s], IsStacked = true, FillColor = ChartStyle.Color(s), StrokeThickness = 0 };
            segment.Items.AddRange(bars.Select(b => new BarItem(Math.Max(0, b.Values[s]))));
            model.Series.Add(segment);
        }

        for (int i = 0; i < bars.Count; i++)
        {
            double total = bars[i].Values.Sum(v => Math.Max(0, v));
            model.Annotations.Add(new TextAnnotation
            {
                Text = ChartStyle.Format(total),
                TextPosition = new DataPoint(total, i),
                TextHorizontalAlignment = HorizontalAlignment.Left,
                TextVerticalAlignment = VerticalAlignment.Middle,
                Offset = new ScreenVector(4, 0),
                Stroke = OxyColors.Undefined,
                StrokeThickness = 0,
                TextColor = OxyColor.FromRgb(0x33, 0x33, 0x33),
            });
        }

        return model;
    }
}
