using SecAgg.Crypto.Bfv.Internal;

namespace SecAgg.Crypto.Ckks.Internal;

/// <summary>
/// The CKKS error bounds (all rounded upward). u = 2^−53 is the double unit round-off; c = 8·log2(n) + 1 bounds the
/// relative ℓ2 error of a radix-2 FFT with correctly rounded twiddles (Higham, Accuracy and Stability, §24.1: about
/// log2(n)·(μ + γ4(√2 + μ)), with a factor-1.5 margin) plus one rounding of each input.
/// </summary>
internal static class ErrorModel
{
    private const double U = 1.0 / 9007199254740992.0; // 2^-53

    public static double Add(double a, double b) => NoiseMath.AddUp(a, b);

    public static double Mul(double a, double b) => NoiseMath.MulUp(a, b);

    private static double FftFactor(int n) => 8.0 * Math.Log2(n) + 1.0;

    /// <summary>Rigorous ‖e·u + e1 + e2·s‖∞ of a public-key encryption: n·B_e + 19 + n·19·B_s (u ternary,
    /// |e1|, |e2| ≤ 19, ‖e‖∞ ≤ B_e, ‖s‖∞ ≤ B_s).</summary>
    public static double FreshPublicKeyNoise(int n, double secretNormBound, double keyErrorBound)
    {
        const double err = 19.0;
        return Add(Add(Mul(n, keyErrorBound), Mul(Mul(n, err), secretNormBound)), err);
    }

    /// <summary>Slot error of encoding values of magnitude ≤ <paramref name="maxAbs"/>: rounding each coefficient
    /// (|σ(r)_k| ≤ ‖r‖₁ ≤ n/2, divided by Δ) plus the inverse FFT in doubles (ℓ2 error ≤ c·u·‖z‖₂ ≤
    /// c·u·√(n/2)·max|z|).</summary>
    public static double EncodingError(int n, double scale, double maxAbs) =>
        Add(n / (2.0 * scale), Mul(Mul(FftFactor(n), U), Mul(Math.Sqrt(n / 2.0), maxAbs)) * 1.0000001);

    /// <summary>Slot error of decoding a phase with ‖m + e‖∞ ≤ X: each coefficient converted to double (relative u;
    /// ‖σ(δ)‖∞ ≤ n·u·X) and the FFT (≤ c·u·‖σ(x)‖₂ ≤ c·u·n·X), divided by Δ.</summary>
    public static double DecodingError(int n, double scale, double coefficientBound) =>
        Mul(Mul(FftFactor(n) + 1.0, U), Mul(n, coefficientBound)) / scale * 1.0000001;

    /// <summary>Total decoded slot error: encoding error + n·B/Δ (|σ(e)_k| ≤ ‖e‖₁) + decoding round-off.</summary>
    public static double SlotError(int n, double scale, double encodingError, double noiseBound, double messageBound) =>
        Add(Add(encodingError, Mul(n, noiseBound) / scale * 1.0000001), DecodingError(n, scale, Add(messageBound, noiseBound)));
}
