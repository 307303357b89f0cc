using System.Xml.Linq;
using OxyPlot.Annotations;
using OxyPlot.Axes;
using OxyPlot.Series;
using SecAgg.Perf.Reporting;

namespace SecAgg.Perf.Tests;

public sealed class StackedBarChartTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static readonly StackedBarChart Chart = new() { Title = "Where the time goes", XLabel = "seconds", Segments = ["encrypt", "upload", "decrypt"] };

    private static readonly StackedBar[] Bars = [new("secure N=2", [1.5, 0.25, -0.1]), new("plain N=2", [0, 0.125, 0])];

    [Fact]
    public void EachSegmentIsAStackedSeriesWithOneItemPerBarAndNegativeValuesAsZero()
    {
        var model = Chart.Model(Bars);
        var segments = model.Series.Cast<BarSeries>().ToList();
        Assert.Equal(["encrypt", "upload", "decrypt"], segments.Select(s => s.Title));
        Assert.All(segments, s => Assert.True(s.IsStacked));
        Assert.Equal([[1.5, 0], [0.25, 0.125], [0, 0]], segments.Select(s => s.Items.Select(i => i.Value).ToArray()));

        CategoryAxis categories = Assert.Single(model.Axes.OfType<CategoryAxis>());
        Assert.Equal(["secure N=2", "plain N=2"], categories.Labels);
        Assert.Equal("seconds", model.Axes.Single(a => a is not CategoryAxis).Title);
    }

    [Fact]
    public void EachBarShowsItsTotalAtItsEnd()
    {
        var totals = Chart.Model(Bars).Annotations.Cast<TextAnnotation>().Select(t => (t.Text, t.TextPosition.X, t.TextPosition.Y)).ToList();
        Assert.Equal([("1.75", 1.75, 0.0), ("0.125", 0.125, 1.0)], totals);
    }

    [Fact]
    public void TheSvgShowsTheTitleTheBarLabelsTheAxisLabelAndTheLegend()
    {
        XDocument document = XDocument.Parse(Chart.Render(Bars));
        var texts = document.Descendants(Svg + "text").Select(t => t.Value).ToHashSet();
        Assert.Superset(new HashSet<string>(["Where the time goes", "secure N=2", "plain N=2", "seconds", "encrypt", "upload", "decrypt", "1.75", "0.125"]), texts);
        Assert.Equal(StackedBarChart.Width.ToString(System.Globalization.CultureInfo.InvariantCulture), document.Root!.Attribute("width")!.Value);
    }

    [Fact]
    public void ATallerChartHasARowPerBar() => Assert.True(Chart.Height(20) > Chart.Height(2));

    [Fact]
    public void BarsThatDoNotMatchTheSegmentsAreRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => Chart.Model([new StackedBar("x", [1.0])]));
        Assert.Equal("bars", e.ParamName);
        Assert.Contains("1 values for 3 segments", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoBarsOrANonFiniteValueAreRefused()
    {
        Assert.Throws<ArgumentException>(() => Chart.Model([]));
        Assert.Throws<ArgumentException>(() => Chart.Model([new StackedBar("x", [1.0, double.PositiveInfinity, 0])]));
    }
}
