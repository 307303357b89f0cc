using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using AesX86 = System.Runtime.Intrinsics.X86.Aes;

namespace SecAgg.Crypto.Ring.Sampling.Internal;

/// <summary>
/// AES-256 with AES-NI: key expansion (Intel AES-NI white paper, KEY_256_ASSIST) and the counter-mode
/// keystream of <see cref="Prng"/>: block k is AES_key(k as a 16-byte big-endian integer), eight blocks in
/// flight. Allocation-free. Checked against .NET's Aes (OpenSSL) and FIPS-197 in tests.
/// </summary>
internal sealed class AesNiCtr
{
    private readonly Vector128<byte>[] _rk = new Vector128<byte>[15];

    public static bool IsSupported => AesX86.IsSupported && Sse2.IsSupported;

    public AesNiCtr(ReadOnlySpan<byte> key)
    {
        Vector128<byte> t1 = Vector128.Create(key[..16]);
        Vector128<byte> t3 = Vector128.Create(key.Slice(16, 16));
        _rk[0] = t1;
        _rk[1] = t3;
        t1 = Assist1(t1, AesX86.KeygenAssist(t3, 0x01)); _rk[2] = t1; t3 = Assist2(t1, t3); _rk[3] = t3;
        t1 = Assist1(t1, AesX86.KeygenAssist(t3, 0x02)); _rk[4] = t1; t3 = Assist2(t1, t3); _rk[5] = t3;
        t1 = Assist1(t1, AesX86.KeygenAssist(t3, 0x04)); _rk[6] = t1; t3 = Assist2(t1, t3); _rk[7] = t3;
        t1 = Assist1(t1, AesX86.KeygenAssist(t3, 0x08)); _rk[8] = t1; t3 = Assist2(t1, t3); _rk[9] = t3;
        t1 = Assist1(t1, AesX86.KeygenAssist(t3, 0x10)); _rk[10] = t1; t3 = Assist2(t1, t3); _rk[11] = t3;
        t1 = Assist1(t1, AesX86.KeygenAssist(t3, 0x20)); _rk[12] = t1; t3 = Assist2(t1, t3); _rk[13] = t3;
        t1 = Assist1(t1, AesX86.KeygenAssist(t3, 0x40)); _rk[14] = t1;
    }

    private static Vector128<byte> Assist1(Vector128<byte> t1, Vector128<byte> t2)
    {
        t2 = Sse2.Shuffle(t2.AsInt32(), 0xff).AsByte();
        Vector128<byte> t4 = Sse2.ShiftLeftLogical128BitLane(t1, 4);
        t1 ^= t4;
        t4 = Sse2.ShiftLeftLogical128BitLane(t4, 4);
        t1 ^= t4;
        t4 = Sse2.ShiftLeftLogical128BitLane(t4, 4);
        t1 ^= t4;
        return t1 ^ t2;
    }

    private static Vector128<byte> Assist2(Vector128<byte> t1, Vector128<byte> t3)
    {
        Vector128<byte> t4 = AesX86.KeygenAssist(t1, 0);
        Vector128<byte> t2 = Sse2.Shuffle(t4.AsInt32(), 0xaa).AsByte();
        t4 = Sse2.ShiftLeftLogical128BitLane(t3, 4);
        t3 ^= t4;
        t4 = Sse2.ShiftLeftLogical128BitLane(t4, 4);
        t3 ^= t4;
        t4 = Sse2.ShiftLeftLogical128BitLane(t4, 4);
        t3 ^= t4;
        return t3 ^ t2;
    }

    /// <summary>Writes AES_key(BE128(counter + i)) for i = 0 … blocks−1 into destination (blocks = length / 16).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Generate(Span<byte> destination, UInt128 counter)
    {
        int blocks = destination.Length / 16;
        ref byte dst = ref MemoryMarshal.GetReference(destination);
        Vector128<byte>[] rk = _rk;
        int b = 0;
        for (; b + 8 <= blocks; b += 8)
        {
            Vector128<byte> k0 = rk[0];
            Vector128<byte> x0 = Block(counter + (uint)b) ^ k0;
            Vector128<byte> x1 = Block(counter + (uint)(b + 1)) ^ k0;
            Vector128<byte> x2 = Block(counter + (uint)(b + 2)) ^ k0;
            Vector128<byte> x3 = Block(counter + (uint)(b + 3)) ^ k0;
            Vector128<byte> x4 = Block(counter + (uint)(b + 4)) ^ k0;
            Vector128<byte> x5 = Block(counter + (uint)(b + 5)) ^ k0;
            Vector128<byte> x6 = Block(counter + (uint)(b + 6)) ^ k0;
            Vector128<byte> x7 = Block(counter + (uint)(b + 7)) ^ k0;
            for (int r = 1; r < 14; r++)
            {
                Vector128<byte> k = rk[r];
                x0 = AesX86.Encrypt(x0, k);
                x1 = AesX86.Encrypt(x1, k);
                x2 = AesX86.Encrypt(x2, k);
                x3 = AesX86.Encrypt(x3, k);
                x4 = AesX86.Encrypt(x4, k);
                x5 = AesX86.Encrypt(x5, k);
                x6 = AesX86.Encrypt(x6, k);
                x7 = AesX86.Encrypt(x7, k);
            }

            Vector128<byte> kl = rk[14];
            AesX86.EncryptLast(x0, kl).StoreUnsafe(ref dst, (nuint)(b * 16));
            AesX86.EncryptLast(x1, kl).StoreUnsafe(ref dst, (nuint)((b + 1) * 16));
            AesX86.EncryptLast(x2, kl).StoreUnsafe(ref dst, (nuint)((b + 2) * 16));
            AesX86.EncryptLast(x3, kl).StoreUnsafe(ref dst, (nuint)((b + 3) * 16));
            AesX86.EncryptLast(x4, kl).StoreUnsafe(ref dst, (nuint)((b + 4) * 16));
            AesX86.EncryptLast(x5, kl).StoreUnsafe(ref dst, (nuint)((b + 5) * 16));
            AesX86.EncryptLast(x6, kl).StoreUnsafe(ref dst, (nuint)((b + 6) * 16));
            AesX86.EncryptLast(x7, kl).StoreUnsafe(ref dst, (nuint)((b + 7) * 16));
        }

        for (; b < blocks; b++)
        {
            Vector128<byte> x = Block(counter + (uint)b) ^ rk[0];
            for (int r = 1; r < 14; r++)
            {
                x = AesX86.Encrypt(x, rk[r]);
            }

            AesX86.EncryptLast(x, rk[14]).StoreUnsafe(ref dst, (nuint)(b * 16));
        }
    }

    /// <summary>The 16 bytes of k in big-endian order (element 0 of a Vector128&lt;ulong&gt; is bytes 0..7 little-endian).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Block(UInt128 k)
        => Vector128.Create(BinaryPrimitives.ReverseEndianness((ulong)(k >> 64)), BinaryPrimitives.ReverseEndianness((ulong)k)).AsByte();

    /// <summary>Zeroes the round keys.</summary>
    public void Clear() => Array.Clear(_rk);
}
