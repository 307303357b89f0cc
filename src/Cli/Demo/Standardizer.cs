namespace SecAgg.Cli.Demo;

/// <summary>
/// Per-feature standardization (x − μ) / σ. In the demo the statistics come from the pooled training rows and are treated
/// as public, agreed preprocessing constants (a real consortium publishes reference ranges per feature); they reveal no
/// individual row.
/// </summary>
internal sealed class Standardizer
{
    private readonly float[] _mean;
    private readonly float[] _scale;

    private Standardizer(float[] mean, float[] scale)
    {
        _mean = mean;
        _scale = scale;
    }

    public static Standardizer Fit(Dataset data)
    {
        int d = data.FeatureCount;
        var mean = new double[d];
        var square = new double[d];
        foreach (float[] row in data.Features)
        {
            for (int j = 0; j < d; j++)
            {
                mean[j] += row[j];
                square[j] += (double)row[j] * row[j];
            }
        }

        var m = new float[d];
        var s = new float[d];
        for (int j = 0; j < d; j++)
        {
            double mu = mean[j] / data.Count;
            double variance = Math.Max((square[j] / data.Count) - (mu * mu), 0);
            m[j] = (float)mu;
            s[j] = variance > 1e-12 ? (float)(1 / Math.Sqrt(variance)) : 1f;
        }

        return new Standardizer(m, s);
    }

    public Dataset Apply(Dataset data) =>
        new([.. data.Features.Select(row => row.Select((x, j) => (x - _mean[j]) * _scale[j]).ToArray())], data.Labels);
}
