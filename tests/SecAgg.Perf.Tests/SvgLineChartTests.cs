using System.Globalization;
using System.Xml.Linq;
using SecAgg.Perf.Reporting;

namespace SecAgg.Perf.Tests;

public sealed class SvgLineChartTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void AChartIsWellFormedSvgWithOneLinePerSeries()
    {
        var chart = new SvgLineChart { Title = "Round time <N=10>", XLabel = "d", YLabel = "s", XScale = AxisScale.Log10, YScale = AxisScale.Log10 };
        string svg = chart.Render(
        [
            new ChartSeries("secure", [(1e5, 0.8), (1e6, 4.1), (1e7, 39)]),
            new ChartSeries("plaintext", [(1e5, 0.3), (1e6, 2.2), (1e7, 20)], [(0.25, 0.35), (2.0, 2.4), (19, 21)]),
        ]);

        XDocument document = XDocument.Parse(svg);
        Assert.Equal(2, document.Descendants(Svg + "polyline").Count());
        Assert.Equal(6, document.Descendants(Svg + "circle").Count());
        Assert.Contains(document.Descendants(Svg + "text"), t => t.Value == "Round time <N=10>");
        Assert.Contains(document.Descendants(Svg + "text"), t => t.Value == "1M");
    }

    [Fact]
    public void LargerValuesAreDrawnHigherAndFurtherRight()
    {
        var chart = new SvgLineChart { Title = "t", XLabel = "x", YLabel = "y" };
        XDocument document = XDocument.Parse(chart.Render([new ChartSeries("s", [(1, 10), (2, 30), (3, 20)])]));
        var points = document.Descendants(Svg + "circle")
            .Select(c => (X: double.Parse(c.Attribute("cx")!.Value, CultureInfo.InvariantCulture), Y: double.Parse(c.Attribute("cy")!.Value, CultureInfo.InvariantCulture)))
            .ToList();
        Assert.True(points[0].X < points[1].X && points[1].X < points[2].X);
        Assert.True(points[1].Y < points[2].Y && points[2].Y < points[0].Y); // SVG y grows downwards
    }

    [Fact]
    public void ALogAxisRefusesNonPositiveValues()
    {
        var chart = new SvgLineChart { Title = "t", XLabel = "x", YLabel = "y", YScale = AxisScale.Log10 };
        var e = Assert.Throws<ArgumentException>(() => chart.Render([new ChartSeries("s", [(1, 0), (2, 3)])]));
        Assert.Contains("logarithmic", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEmptyChartIsRefused() =>
        Assert.Throws<ArgumentException>(() => new SvgLineChart { Title = "t", XLabel = "x", YLabel = "y" }.Render([new ChartSeries("s", [])]));

    [Fact]
    public void AReferenceLineIsDrawnDashedWithItsLabel()
    {
        var chart = new SvgLineChart { Title = "t", XLabel = "N", YLabel = "ratio", References = [(2, "goal: 2x")] };
        XDocument document = XDocument.Parse(chart.Render([new ChartSeries("s", [(2, 1.2), (10, 1.6)])]));
        Assert.Single(document.Descendants(Svg + "line"), l => l.Attribute("stroke-dasharray") is not null);
        Assert.Contains(document.Descendants(Svg + "text"), t => t.Value == "goal: 2x");
    }

    [Theory]
    [InlineData(1e6, "1M")]
    [InlineData(20000, "20k")]
    [InlineData(0.5, "0.5")]
    [InlineData(2.5e9, "2.5G")]
    [InlineData(0, "0")]
    public void TickLabelsAreCompact(double value, string expected) => Assert.Equal(expected, SvgLineChart.Format(value));
}
