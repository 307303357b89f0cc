using BenchmarkDotNet.Attributes;
using SecAgg.Quantize.Internal;

namespace SecAgg.Benchmarks.Quantize;

/// <summary>Fast Walsh-Hadamard transform of 2^20 doubles: scalar butterflies (baseline) against Vector512/Vector256.</summary>
public class QuantizeFwhtBenchmarks
{
    private double[] _x = null!;

    [Params(1 << 12, 1 << 20)]
    public int Length { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _x = new double[Length];
        for (int i = 0; i < _x.Length; i++)
        {
            _x[i] = (i % 7) - 3;
        }
    }

    [Benchmark(Baseline = true)]
    public double Scalar()
    {
        Fwht.UseVectors = false;
        Fwht.Transform(_x);
        Fwht.UseVectors = true;
        return _x[1];
    }

    [Benchmark]
    public double Vectorized()
    {
        Fwht.UseVectors = true;
        Fwht.Transform(_x);
        return _x[1];
    }
}
