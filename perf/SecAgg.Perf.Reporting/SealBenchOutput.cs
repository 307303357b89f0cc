using System.Globalization;

namespace SecAgg.Perf.Reporting;

/// <summary>One operation as SEAL's side-by-side benchmark (<c>../shared/anchors/seal/bench.cpp</c>) reports it.</summary>
/// <param name="Operation">SEAL's label, e.g. "EncryptPublicKey(key: no special prime)".</param>
/// <param name="N">Ring degree.</param>
/// <param name="WallMedianMicroseconds">Median over the batches of the wall-clock time per operation.</param>
/// <param name="CpuMedianMicroseconds">Median over the batches of the thread CPU time per operation.</param>
/// <param name="CpuMinMicroseconds">Fastest batch, thread CPU time per operation.</param>
/// <param name="CpuMaxMicroseconds">Slowest batch, thread CPU time per operation.</param>
public sealed record SealBenchLine(string Operation, int N, double WallMedianMicroseconds, double CpuMedianMicroseconds, double CpuMinMicroseconds, double CpuMaxMicroseconds);

/// <summary>
/// Reads the standard output of SEAL's side-by-side benchmark: one line per operation,
/// <c>SEAL,&lt;op&gt;,&lt;n&gt;,wall_us,&lt;median&gt;,&lt;min&gt;,&lt;max&gt;,cpu_us,&lt;median&gt;,&lt;min&gt;,&lt;max&gt;</c>
/// (operation labels contain no commas). Other lines are ignored.
/// </summary>
public static class SealBenchOutput
{
    private const int Fields = 11;

    /// <summary>Every operation line in <paramref name="stdout"/>, in order.</summary>
    /// <exception cref="InvalidDataException">A line starting with "SEAL," is not in the format above.</exception>
    public static IReadOnlyList<SealBenchLine> Parse(string stdout)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        var lines = new List<SealBenchLine>();
        foreach (string raw in stdout.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (!line.StartsWith("SEAL,", StringComparison.Ordinal))
            {
                continue;
            }

            string[] f = line.Split(',');
            if (f.Length != Fields || f[3] != "wall_us" || f[7] != "cpu_us"
                || !int.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out int n)
                || !TryMicroseconds(f[4], out double wall) || !TryMicroseconds(f[8], out double cpu)
                || !TryMicroseconds(f[9], out double cpuMin) || !TryMicroseconds(f[10], out double cpuMax))
            {
                throw new InvalidDataException($"SEAL benchmark line not understood (expected SEAL,<op>,<n>,wall_us,<median>,<min>,<max>,cpu_us,<median>,<min>,<max>): {line}");
            }

            lines.Add(new SealBenchLine(f[1], n, wall, cpu, cpuMin, cpuMax));
        }

        return lines;
    }

    private static bool TryMicroseconds(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value) && value >= 0;
}
