namespace SecAgg.Cli.Demo;

/// <summary>
/// How the demo splits one data set into a held-out test set and N hospitals' training sets.
/// This is simulation, not secret material, so a seeded <see cref="Random"/> is appropriate and makes runs repeatable.
/// </summary>
internal static class Partition
{
    /// <summary>A stratified split: <paramref name="testFraction"/> of each class goes to the test set.</summary>
    public static (Dataset Train, Dataset Test) TrainTest(Dataset data, double testFraction, int seed)
    {
        var random = new Random(seed);
        var train = new List<int>();
        var test = new List<int>();
        foreach (var group in Enumerable.Range(0, data.Count).GroupBy(i => data.Labels[i]).OrderBy(g => g.Key))
        {
            int[] rows = [.. group];
            random.Shuffle(rows);
            int testCount = (int)Math.Round(rows.Length * testFraction);
            test.AddRange(rows[..testCount]);
            train.AddRange(rows[testCount..]);
        }

        return (data.Select(train.Order()), data.Select(test.Order()));
    }

    /// <summary>
    /// Splits rows among <paramref name="hospitals"/> non-IID: for each class, the share each hospital receives is drawn
    /// from a symmetric Dirichlet(<paramref name="alpha"/>) (small α: each hospital sees mostly one class). Every hospital
    /// gets at least <paramref name="minimumRows"/> rows; the draw is repeated (same seed stream) until that holds.
    /// </summary>
    public static Dataset[] Dirichlet(Dataset data, int hospitals, double alpha, int seed, int minimumRows = 10)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hospitals, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(alpha);
        if ((long)hospitals * minimumRows > data.Count)
        {
            throw new ArgumentException($"{data.Count} rows cannot give {hospitals} hospitals {minimumRows} rows each; use fewer hospitals.", nameof(hospitals));
        }

        var random = new Random(seed);
        for (int attempt = 0; ; attempt++)
        {
            var assigned = Enumerable.Range(0, hospitals).Select(_ => new List<int>()).ToArray();
            foreach (var group in Enumerable.Range(0, data.Count).GroupBy(i => data.Labels[i]).OrderBy(g => g.Key))
            {
                int[] rows = [.. group];
                random.Shuffle(rows);
                double[] shares = SampleDirichlet(random, hospitals, alpha);
                int start = 0;
                double cumulative = 0;
                for (int h = 0; h < hospitals; h++)
                {
                    cumulative += shares[h];
                    int end = h == hospitals - 1 ? rows.Length : (int)Math.Round(cumulative * rows.Length);
                    assigned[h].AddRange(rows[start..end]);
                    start = end;
                }
            }

            if (assigned.All(a => a.Count >= minimumRows) || attempt == 999)
            {
                return [.. assigned.Select(a => data.Select(a.Order()))];
            }
        }
    }

    private static double[] SampleDirichlet(Random random, int k, double alpha)
    {
        double[] x = new double[k];
        double sum = 0;
        for (int i = 0; i < k; i++)
        {
            x[i] = SampleGamma(random, alpha);
            sum += x[i];
        }

        for (int i = 0; i < k; i++)
        {
            x[i] /= sum;
        }

        return x;
    }

    /// <summary>Gamma(shape, 1) by Marsaglia and Tsang (2000), with the U^(1/shape) boost for shape &lt; 1.</summary>
    internal static double SampleGamma(Random random, double shape)
    {
        if (shape < 1)
        {
            return SampleGamma(random, shape + 1) * Math.Pow(1 - random.NextDouble(), 1 / shape);
        }

        double d = shape - (1.0 / 3), c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do
            {
                // Box–Muller normal.
                x = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
                v = 1 + (c * x);
            }
            while (v <= 0);

            v = v * v * v;
            double u = 1 - random.NextDouble();
            if (Math.Log(u) < (0.5 * x * x) + d - (d * v) + (d * Math.Log(v)))
            {
                return d * v;
            }
        }
    }
}
