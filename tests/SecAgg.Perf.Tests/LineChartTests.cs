using System.Globalization;
using System.Xml.Linq;
using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;
using OxyPlot.Series;
using SecAgg.Perf.Reporting;

namespace SecAgg.Perf.Tests;

public sealed class LineChartTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static readonly ChartSeries[] TwoSeries =
    [
        new("secure", [(1e5, 0.8), (1e7, 39), (1e6, 4.1)]),
        new("plaintext", [(1e5, 0.3), (1e6, 2.2), (1e7, 20)], [(0.25, 0.35), (2.0, 2.4), (19, 21)]),
    ];

    private static LineChart LogLog => new() { Title = "Round time <N=10>", XLabel = "parameters d", YLabel = "whole round (s)", XScale = AxisScale.Log10, YScale = AxisScale.Log10 };

    [Fact]
    public void TheSvgShowsTheTitleTheAxisLabelsCompactTicksAndALegendEntryPerSeries()
    {
        XDocument document = XDocument.Parse(LogLog.Render(TwoSeries));
        var texts = document.Descendants(Svg + "text").Select(t => t.Value).ToList();
        Assert.Contains("Round time <N=10>", texts);
        Assert.Contains("parameters d", texts);
        Assert.Contains("whole round (s)", texts);
        Assert.Contains("secure", texts);
        Assert.Contains("plaintext", texts);
        Assert.Contains("1M", texts);
        Assert.DoesNotContain("1e+06", texts);

        // A circle per point (3 + 3) and one per legend entry.
        Assert.Equal(6 + 2, document.Descendants(Svg + "ellipse").Count());
    }

    [Fact]
    public void EachSeriesIsALineOfItsPointsInXOrderWithItsSpreadAsOneWhiskerPerPoint()
    {
        PlotModel model = LogLog.Model(TwoSeries);
        var lines = model.Series.OfType<LineSeries>().Where(s => s.Tag is null).ToList();
        Assert.Equal(["secure", "plaintext"], lines.Select(s => s.Title));
        Assert.Equal([1e5, 1e6, 1e7], lines[0].Points.Select(p => p.X));
        Assert.Equal([0.8, 4.1, 39], lines[0].Points.Select(p => p.Y));

        LineSeries whiskers = Assert.Single(model.Series.OfType<LineSeries>(), s => Equals(s.Tag, LineChart.SpreadTag));
        Assert.Null(whiskers.Title);
        Assert.Equal(lines[1].Color, whiskers.Color);
        var segments = whiskers.Points.Where(p => p.IsDefined()).Chunk(2).Select(c => (c[0].X, c[0].Y, c[1].Y)).ToList();
        Assert.Equal([(1e5, 0.25, 0.35), (1e6, 2.0, 2.4), (1e7, 19.0, 21.0)], segments);
        Assert.Equal(3, whiskers.Points.Count(p => !p.IsDefined()));

        Assert.IsType<LogarithmicAxis>(model.Axes.Single(a => a.Position == AxisPosition.Bottom));
        Assert.Equal("whole round (s)", model.Axes.Single(a => a.Position == AxisPosition.Left).Title);
    }

    [Fact]
    public void LargerValuesAreDrawnHigherAndFurtherRight()
    {
        var chart = new LineChart { Title = "t", XLabel = "x", YLabel = "y" };
        XDocument document = XDocument.Parse(chart.Render([new ChartSeries("s", [(1, 10), (2, 30), (3, 20)])]));
        var points = document.Descendants(Svg + "ellipse").Take(3) // the series' markers come before the legend's
            .Select(c => (X: double.Parse(c.Attribute("cx")!.Value, CultureInfo.InvariantCulture), Y: double.Parse(c.Attribute("cy")!.Value, CultureInfo.InvariantCulture)))
            .ToList();
        Assert.True(points[0].X < points[1].X && points[1].X < points[2].X);
        Assert.True(points[1].Y < points[2].Y && points[2].Y < points[0].Y); // SVG y grows downwards
    }

    [Fact]
    public void ALinearAxisOfPositiveValuesStartsAtZeroUnlessThatSquashesTheData()
    {
        var chart = new LineChart { Title = "t", XLabel = "x", YLabel = "y" };
        PlotModel model = chart.Model([new ChartSeries("s", [(2, 1.2), (10, 1.6)])]);
        Assert.Equal(0, model.Axes.Single(a => a.Position == AxisPosition.Bottom).Minimum);
        Assert.True(model.Axes.Single(a => a.Position == AxisPosition.Left).Minimum > 1);
    }

    [Fact]
    public void ALogAxisRefusesNonPositiveValues()
    {
        var chart = new LineChart { Title = "t", XLabel = "x", YLabel = "y", YScale = AxisScale.Log10 };
        var e = Assert.Throws<ArgumentException>(() => chart.Model([new ChartSeries("s", [(1, 0), (2, 3)])]));
        Assert.Contains("logarithmic", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NonFiniteValuesAreRefused()
    {
        var chart = new LineChart { Title = "t", XLabel = "x", YLabel = "y" };
        var e = Assert.Throws<ArgumentException>(() => chart.Model([new ChartSeries("s", [(1, double.NaN), (2, 3)])]));
        Assert.Contains("NaN", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEmptyChartIsRefused() =>
        Assert.Throws<ArgumentException>(() => new LineChart { Title = "t", XLabel = "x", YLabel = "y" }.Render([new ChartSeries("s", [])]));

    [Fact]
    public void AReferenceLineAboveTheDataIsOnScaleDashedWithItsLabel()
    {
        var chart = new LineChart { Title = "t", XLabel = "N", YLabel = "ratio", References = [(2, "goal: 2x")] };
        var series = new[] { new ChartSeries("s", [(2, 1.2), (10, 1.6)]) };
        LineAnnotation goal = Assert.IsType<LineAnnotation>(Assert.Single(chart.Model(series).Annotations));
        Assert.Equal((2.0, LineStyle.Dash, "goal: 2x"), (goal.Y, goal.LineStyle, goal.Text));
        Assert.True(chart.Model(series).Axes.Single(a => a.Position == AxisPosition.Left).Maximum > 2);

        XDocument document = XDocument.Parse(chart.Render(series));
        Assert.Single(document.Descendants(Svg + "polyline"), l => l.Attribute("style")!.Value.Contains("stroke-dasharray", StringComparison.Ordinal));
        Assert.Contains(document.Descendants(Svg + "text"), t => t.Value == "goal: 2x");
    }

    [Fact]
    public void TextIsMeasuredWiderThanHelveticaSoBrowsersDoNotClipTheLegend()
    {
        var helvetica = new PdfRenderContext(100, 100, OxyColors.White).MeasureText("secure N=10", "Arial", 12, 400);
        var browser = new BrowserTextMeasurer(100, 100).MeasureText("secure N=10", "Arial", 12, 400);
        Assert.Equal(helvetica.Width * BrowserTextMeasurer.WidthFactor, browser.Width, 9);
        Assert.Equal(helvetica.Height, browser.Height);
    }

    [Theory]
    [InlineData(1e6, "1M")]
    [InlineData(999999.99999999, "1M")]
    [InlineData(20000, "20k")]
    [InlineData(0.5, "0.5")]
    [InlineData(2.5e9, "2.5G")]
    [InlineData(0, "0")]
    public void TickLabelsAreCompact(double value, string expected) => Assert.Equal(expected, ChartStyle.Format(value));
}
