using System.Runtime.CompilerServices;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Quantize.Internal;

/// <summary>
/// Where the encoder's finished coefficients go, in coordinate order, reduced mod 2^b: a whole destination (32- or
/// 64-bit), or a caller's piece buffer handed to a <see cref="DdgPieceHandler"/> each time it fills (the last piece may
/// be shorter), so that no buffer spans the vector.
/// </summary>
internal ref struct CoefficientSink
{
    private readonly Span<uint> _u32;
    private readonly Span<ulong> _u64;
    private readonly ulong _mask;
    private readonly int _total;
    private readonly DdgPieceHandler? _onPiece;
    private int _pieceStart;

    private CoefficientSink(Span<uint> u32, Span<ulong> u64, ulong mask, int total, DdgPieceHandler? onPiece)
    {
        _u32 = u32;
        _u64 = u64;
        _mask = mask;
        _total = total;
        _onPiece = onPiece;
    }

    /// <summary>Into exactly one of <paramref name="u32"/> and <paramref name="u64"/> (the other empty), whole.</summary>
    public static CoefficientSink Whole(Span<uint> u32, Span<ulong> u64, ulong mask) => new(u32, u64, mask, Math.Max(u32.Length, u64.Length), null);

    /// <summary>Into <paramref name="piece"/>, handed to <paramref name="onPiece"/> as each piece of the
    /// <paramref name="total"/> coordinates fills.</summary>
    public static CoefficientSink InPieces(Span<uint> piece, int total, ulong mask, DdgPieceHandler onPiece) => new(piece, default, mask, total, onPiece);

    /// <summary>Stores coordinates [<paramref name="start"/>, start + ints.Length) mod 2^b; with pieces, the writes come in
    /// coordinate order.</summary>
    public void Write(ReadOnlySpan<long> ints, int start)
    {
        if (_onPiece is null)
        {
            Store(ints, start, _mask, _u32, _u64);
            return;
        }

        while (!ints.IsEmpty)
        {
            int offset = start - _pieceStart;
            int n = Math.Min(ints.Length, _u32.Length - offset);
            Store(ints[..n], offset, _mask, _u32, default);
            ints = ints[n..];
            start += n;
            int end = Math.Min(_pieceStart + _u32.Length, _total);
            if (start == end)
            {
                _onPiece(_pieceStart, _u32[..(end - _pieceStart)]);
                _pieceStart = end;
            }
        }
    }

    /// <summary>destination[start..] = ints mod 2^b (into exactly one of the two); once per window, so compiled fully
    /// optimized at once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Store(ReadOnlySpan<long> ints, int start, ulong mask, Span<uint> u32, Span<ulong> u64)
    {
        if (u32.IsEmpty)
        {
            Span<ulong> d64 = u64.Slice(start, ints.Length);
            for (int i = 0; i < ints.Length; i++)
            {
                d64[i] = (ulong)ints[i] & mask;
            }

            return;
        }

        Span<uint> d32 = u32.Slice(start, ints.Length);
        uint m32 = (uint)mask;
        for (int i = 0; i < ints.Length; i++)
        {
            d32[i] = (uint)ints[i] & m32;
        }
    }
}
