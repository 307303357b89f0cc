using System.Globalization;
using OxyPlot;
using OxyPlot.Legends;

namespace SecAgg.Perf.Reporting;

/// <summary>What the report's charts share: the look of a plot, the series colours, compact tick labels and the SVG export.</summary>
internal static class ChartStyle
{
    /// <summary>Series colours, in order (the "category10" palette).</summary>
    public static readonly OxyColor[] Palette =
    [
        OxyColor.FromRgb(0x1f, 0x77, 0xb4), OxyColor.FromRgb(0xd6, 0x27, 0x28), OxyColor.FromRgb(0x2c, 0xa0, 0x2c), OxyColor.FromRgb(0xff, 0x7f, 0x0e),
        OxyColor.FromRgb(0x94, 0x67, 0xbd), OxyColor.FromRgb(0x8c, 0x56, 0x4b), OxyColor.FromRgb(0xe3, 0x77, 0xc2), OxyColor.FromRgb(0x17, 0xbe, 0xcf),
    ];

    /// <summary>Grid lines, light enough not to compete with the data.</summary>
    public static readonly OxyColor Grid = OxyColor.FromRgb(0xe5, 0xe5, 0xe5);

    /// <summary>The colour of series <paramref name="index"/>.</summary>
    public static OxyColor Color(int index) => Palette[index % Palette.Length];

    /// <summary>An empty plot with the report's title style, a white background and a legend to the right of the plot.</summary>
    public static PlotModel NewModel(string title)
    {
        var model = new PlotModel
        {
            Title = title,
            TitleFontSize = 15,
            Background = OxyColors.White,
            DefaultFont = "Arial", // Helvetica's widths, which BrowserTextMeasurer starts from
            DefaultFontSize = 12,
        };
        model.Legends.Add(new Legend { LegendPosition = LegendPosition.RightTop, LegendPlacement = LegendPlacement.Outside, LegendLineSpacing = 6 });
        return model;
    }

    /// <summary>The plot as a standalone SVG document of <paramref name="width"/> × <paramref name="height"/> pixels.</summary>
    public static string Svg(PlotModel model, double width, double height) =>
        SvgExporter.ExportToString(model, width, height, isDocument: true, new BrowserTextMeasurer(width, height));

    /// <summary>Formats a tick value compactly: 1e+06 → 1M, 0.5 → 0.5, 20000 → 20k.</summary>
    public static string Format(double value)
    {
        value = double.Parse(value.ToString("G10", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture); // 999999.9999999 is 1M
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
}
