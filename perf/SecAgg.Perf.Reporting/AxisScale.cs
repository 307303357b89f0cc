namespace SecAgg.Perf.Reporting;

/// <summary>How an axis of a <see cref="LineChart"/> maps values to positions.</summary>
public enum AxisScale
{
    /// <summary>Evenly spaced values.</summary>
    Linear,

    /// <summary>Evenly spaced decades; every value must be positive.</summary>
    Log10,
}
