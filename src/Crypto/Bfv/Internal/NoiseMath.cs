namespace SecAgg.Crypto.Bfv.Internal;

/// <summary>Double arithmetic rounded upward, so tracked noise bounds are never optimistic.</summary>
internal static class NoiseMath
{
    public static double AddUp(double a, double b) => Math.BitIncrement(a + b);

    public static double MulUp(double a, double b) => Math.BitIncrement(a * b);

    public static double DivUp(double a, double b) => Math.BitIncrement(a / b);
}
