using System.Reflection;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Quantize.Tests.Ddg;

/// <summary>
/// The floating-point attack (seed 000; Opacus issue 616) also works on the noise *addition*: a float that touches
/// the noisy value leaks through its low bits. These tests follow the encoder's noise from its public Encode
/// overloads: everything that samples the noise (found through the encoder's public constructor, wherever that
/// type lives) and every instruction that runs after the noise was added (the wrap mod 2^b, the parallel path)
/// must be integer, down to every SecAgg callee. Complements NoFloatingPointTests, which lists the sampler's types.
/// </summary>
public sealed class NoiseAdditionIntegerPathTests
{
    /// <summary>The exact sampler's type, taken from DdgEncoder's public constructor.</summary>
    private static readonly Type Sampler = typeof(DdgEncoder).GetConstructors()
        .SelectMany(c => c.GetParameters())
        .Single(p => p.ParameterType != typeof(DdgParameters)).ParameterType;

    /// <summary>What Encode returns (input norm, clip factor: measured before the noise) may carry those doubles.</summary>
    private static readonly Type Report = typeof(DdgEncodeReport);

    [Fact]
    public void EverythingTheSamplerRunsIsInteger()
    {
        var scanner = new FloatingPointScanner();
        // FromVariance turns a user's double into its exact rational: parameter intake, not the noise path.
        foreach (MethodBase m in Sampler.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
                     .Where(m => !m.GetParameters().Any(p => FloatingPointScanner.IsFloat(p.ParameterType)) && !FloatingPointScanner.IsFloat(m.ReturnType))
                     .Cast<MethodBase>().Concat(Sampler.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)))
        {
            scanner.ScanWhole(m);
        }

        Assert.True(scanner.Problems.Count == 0, string.Join("\n", scanner.Problems));
        Assert.Contains(scanner.Scanned, m => m.Name == "AddTo");
        Assert.True(scanner.Scanned.Select(m => m.DeclaringType).Distinct().Count() >= 3, "the scan should reach the CDF table and the CSPRNG");
    }

    [Fact]
    public void EverythingAfterTheEncoderAddsNoiseIsInteger()
    {
        var scanner = new FloatingPointScanner(allowed => allowed.IsConstructor && allowed.DeclaringType == Report);
        MethodInfo[] encodes = typeof(DdgEncoder).GetMethods(BindingFlags.Public | BindingFlags.Instance).Where(m => m.Name == nameof(DdgEncoder.Encode)).ToArray();
        int withNoise = encodes.Count(m => scanner.ScanAfterNoise(m, AddsNoise));

        Assert.True(withNoise == encodes.Length, $"every Encode overload adds noise through {Sampler.Name} ({withNoise} of {encodes.Length} found)");
        Assert.True(scanner.Problems.Count == 0, string.Join("\n", scanner.Problems));
        Assert.Contains(scanner.Scanned, m => m.DeclaringType == Sampler && m.Name == "AddTo");
        Assert.Contains(scanner.Scanned, m => m.DeclaringType?.DeclaringType == typeof(DdgEncoder)); // the parallel path's lambda
    }

    [Fact]
    public void TheScanFindsAFloatInTheNoiseAddition()
    {
        var scanner = new FloatingPointScanner();
        Assert.True(scanner.ScanAfterNoise(typeof(Controls).GetMethod(nameof(Controls.ScalesAfterNoise))!, Controls.IsFakeNoise));
        Assert.Contains(scanner.Problems, p => p.Contains("ScalesAfterNoise: ldc.r8") || p.Contains("ScalesAfterNoise: conv.r8"));
    }

    [Fact]
    public void TheScanFindsAFloatComputedBeforeTheNoiseAndAddedAfterIt()
    {
        var scanner = new FloatingPointScanner();
        Assert.True(scanner.ScanAfterNoise(typeof(Controls).GetMethod(nameof(Controls.AddsAFloatComputedBefore))!, Controls.IsFakeNoise));
        Assert.Contains(scanner.Problems, p => p.Contains("AddsAFloatComputedBefore: ldloc") || p.Contains("AddsAFloatComputedBefore: ldarg"));
    }

    [Fact]
    public void TheScanFollowsCallsIntoHelpers()
    {
        var scanner = new FloatingPointScanner();
        Assert.True(scanner.ScanAfterNoise(typeof(Controls).GetMethod(nameof(Controls.WrapsThroughAHelper))!, Controls.IsFakeNoise));
        Assert.Contains(scanner.Problems, p => p.StartsWith("Controls.Deeper:", StringComparison.Ordinal));
    }

    [Fact]
    public void FloatsBeforeTheNoiseAreNotFlagged()
    {
        var scanner = new FloatingPointScanner();
        Assert.True(scanner.ScanAfterNoise(typeof(Controls).GetMethod(nameof(Controls.ScalesBeforeNoise))!, Controls.IsFakeNoise));
        Assert.Empty(scanner.Problems);
    }

    private static bool AddsNoise(MethodBase m) => m.DeclaringType == Sampler && m.GetParameters().Any(p => p.ParameterType == typeof(Span<long>));

    /// <summary>Positive and negative controls: a fake noise source and encoders that do or do not use floats after it.</summary>
    private static class Controls
    {
        public static bool IsFakeNoise(MethodBase m) => m.DeclaringType == typeof(Controls) && m.Name == nameof(AddFakeNoise);

        public static void AddFakeNoise(Span<long> values)
        {
            for (int i = 0; i < values.Length; i++)
            {
                values[i] += i & 3;
            }
        }

        public static void ScalesAfterNoise(long[] values)
        {
            AddFakeNoise(values);
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = (long)(values[i] * 0.999);
            }
        }

        public static void AddsAFloatComputedBefore(long[] values, double noise)
        {
            double twice = noise * 2;
            AddFakeNoise(values);
            values[0] += (long)(twice + noise);
        }

        public static void WrapsThroughAHelper(long[] values)
        {
            AddFakeNoise(values);
            Wrap(values);
        }

        public static void ScalesBeforeNoise(long[] values, double scale)
        {
            values[0] = (long)(values[0] * scale);
            AddFakeNoise(values);
            for (int i = 0; i < values.Length; i++)
            {
                values[i] &= 0xFFFF;
            }
        }

        private static void Wrap(long[] values)
        {
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = Deeper(values[i]);
            }
        }

        private static long Deeper(long v) => (long)Math.Round(v / 3.0);
    }
}
