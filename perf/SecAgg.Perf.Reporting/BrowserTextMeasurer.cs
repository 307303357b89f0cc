using OxyPlot;

namespace SecAgg.Perf.Reporting;

/// <summary>
/// Text widths for <see cref="SvgExporter"/> as a browser draws them (the approach of the aggregator's status-page chart).
/// The exporter's own measure is Helvetica's metrics (through <see cref="PdfRenderContext"/>), narrower than the
/// sans-serif fonts browsers fall back to; OxyPlot clips legend text to the width it measured, so legends lost the ends
/// of their titles. Widths are taken 30 % wider (heights as measured).
/// </summary>
internal sealed class BrowserTextMeasurer(double width, double height) : PdfRenderContext(width, height, OxyColors.White)
{
    /// <summary>How much wider than Helvetica's metrics the text is taken to be.</summary>
    public const double WidthFactor = 1.3;

    public override OxySize MeasureText(string text, string fontFamily, double fontSize, double fontWeight)
    {
        OxySize size = base.MeasureText(text, fontFamily, fontSize, fontWeight);
        return new OxySize(size.Width * WidthFactor, size.Height);
    }
}
