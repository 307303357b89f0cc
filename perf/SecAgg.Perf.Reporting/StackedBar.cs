namespace SecAgg.Perf.Reporting;

/// <summary>One horizontal bar of a <see cref="StackedBarChart"/>: a label and one value per segment (same order as its segment names).</summary>
/// <param name="Label">The bar's label (on the category axis).</param>
/// <param name="Values">Segment lengths, ≥ 0 (negative values are drawn as 0).</param>
public sealed record StackedBar(string Label, IReadOnlyList<double> Values);
