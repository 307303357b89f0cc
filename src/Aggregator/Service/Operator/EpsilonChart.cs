using System.Globalization;
using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;
using SecAgg.Protocol.Consortium;
using SecAgg.Aggregator.Privacy;

namespace SecAgg.Aggregator.Service.Operator;

/// <summary>
/// The status page's chart (OxyPlot, SVG): the total epsilon after each published round (the privacy ledger's
/// <see cref="LedgerEntry.EpsilonTotal"/>) and the epsilon of each round alone, against the consortium's budget drawn as
/// a horizontal line. A budget far above what is spent (more than 20 times) would flatten the curve, so it is then named
/// in the title instead of drawn.
/// </summary>
internal static class EpsilonChart
{
    /// <summary>Title of the total-epsilon series.</summary>
    public const string TotalTitle = "ε spent in total";

    /// <summary>Title of the per-round series.</summary>
    public const string RoundTitle = "ε of the round";

    /// <summary>The chart as an inline &lt;svg&gt; element (the exporter's XML declaration removed: HTML does not take one).</summary>
    public static string Svg(IReadOnlyList<LedgerEntry> ledger, PrivacyBudget budget, int roundsPlanned, double width = 640, double height = 320)
    {
        string svg = SvgExporter.ExportToString(Model(ledger, budget, roundsPlanned), width, height, isDocument: false, new BrowserTextMeasurer(width, height));
        return svg[svg.IndexOf("<svg", StringComparison.Ordinal)..];
    }

    /// <summary>The plot model (also what the tests read).</summary>
    public static PlotModel Model(IReadOnlyList<LedgerEntry> ledger, PrivacyBudget budget, int roundsPlanned)
    {
        double spent = ledger is [.., LedgerEntry last] ? last.EpsilonTotal : 0;
        bool budgetOnScale = budget.Epsilon <= 20 * Math.Max(spent, 1e-9) || ledger.Count == 0 && budget.Epsilon < 1e3;
        string budgetText = budget.Epsilon.ToString("G4", CultureInfo.InvariantCulture);
        var model = new PlotModel
        {
            Title = budgetOnScale ? "Privacy spent over rounds" : $"Privacy spent over rounds (budget ε = {budgetText}, off scale)",
            TitleFontSize = 14,
            Background = OxyColors.White,
            DefaultFont = "Arial", // Helvetica's widths, which BrowserTextMeasurer starts from
        };
        model.Legends.Add(new Legend { LegendPosition = LegendPosition.TopLeft, LegendPlacement = LegendPlacement.Inside });
        double lastRound = Math.Max(roundsPlanned, ledger is [.., LedgerEntry l] ? l.Round : 1);
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = "round", Minimum = 0, Maximum = lastRound + 0.5, MajorStep = Math.Max(1, Math.Ceiling(lastRound / 10)), MinorStep = 1 });
        double top = Math.Max(budgetOnScale ? budget.Epsilon : 0, spent) * 1.15;
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = "ε", Minimum = 0, Maximum = top > 0 ? top : 1 });

        var total = new LineSeries { Title = TotalTitle, MarkerType = MarkerType.Circle, MarkerSize = 4, Color = OxyColor.FromRgb(0x1f, 0x77, 0xb4) };
        var perRound = new LineSeries { Title = RoundTitle, MarkerType = MarkerType.Square, MarkerSize = 3, LineStyle = LineStyle.Dot, Color = OxyColor.FromRgb(0x2c, 0xa0, 0x2c) };
        total.Points.Add(new DataPoint(0, 0));
        foreach (LedgerEntry e in ledger)
        {
            total.Points.Add(new DataPoint(e.Round, e.EpsilonTotal));
            perRound.Points.Add(new DataPoint(e.Round, e.EpsilonRound));
        }

        model.Series.Add(total);
        model.Series.Add(perRound);
        if (budgetOnScale)
        {
            model.Annotations.Add(new LineAnnotation
            {
                Type = LineAnnotationType.Horizontal,
                Y = budget.Epsilon,
                Color = OxyColor.FromRgb(0xd6, 0x27, 0x28),
                LineStyle = LineStyle.Dash,
                Text = $"budget ε = {budgetText}",
            });
        }

        return model;
    }
}
