namespace SecAgg.Perf.Reporting;

/// <summary>One line of a <see cref="LineChart"/>: a name for the legend and its (x, y) points; an optional spread per point.</summary>
/// <param name="Name">The legend entry.</param>
/// <param name="Points">The points, drawn in x order.</param>
/// <param name="Spread">Optional (low, high) per point, same order as <paramref name="Points"/> (for example min–max), drawn as a whisker.</param>
public sealed record ChartSeries(string Name, IReadOnlyList<(double X, double Y)> Points, IReadOnlyList<(double Low, double High)>? Spread = null);
