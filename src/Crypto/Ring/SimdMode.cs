using System.Runtime.Intrinsics;

namespace SecAgg.Crypto.Ring;

/// <summary>Which instruction set the ring's hot loops use. Tests pin each one to cover every path.</summary>
internal enum SimdMode
{
    /// <summary>The widest supported: Vector512 if accelerated, else Vector256, else scalar.</summary>
    Auto = 0,

    /// <summary>Portable scalar code.</summary>
    Scalar = 1,

    /// <summary>256-bit vectors (AVX2).</summary>
    Vector256 = 2,

    /// <summary>512-bit vectors (AVX-512 F/DQ).</summary>
    Vector512 = 3,
}

internal static class SimdModes
{
    public static bool IsSupported(SimdMode mode) => mode switch
    {
        SimdMode.Scalar => true,
        SimdMode.Vector256 => Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Avx2.IsSupported,
        SimdMode.Vector512 => Vector512.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Avx512F.IsSupported
            && System.Runtime.Intrinsics.X86.Avx512DQ.IsSupported,
        _ => true,
    };

    public static SimdMode Resolve(SimdMode mode)
    {
        if (mode != SimdMode.Auto)
        {
            if (!IsSupported(mode))
            {
                throw new PlatformNotSupportedException($"{mode} is not supported on this machine.");
            }

            return mode;
        }

        if (IsSupported(SimdMode.Vector512))
        {
            return SimdMode.Vector512;
        }

        return IsSupported(SimdMode.Vector256) ? SimdMode.Vector256 : SimdMode.Scalar;
    }
}
