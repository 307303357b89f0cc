using System.Buffers;
using System.Runtime.InteropServices;
using SecAgg.Crypto.Multiparty.Internal;
using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// A site's protocol-v2 upload encryption under its own key share (docs/threat-model.md, "Masked upload"):
/// <b>c0_i = −a_{r,k}·s_i + NTT(e_i + Encode(M))</b>, a fresh RLWE sample under s_i (so it hides M), with e_i fresh
/// from σ = 3.2 truncated at 19 and Encode the parameters' codec (BFV: round(q·M/T) exactly, M the k-packed b-bit
/// values; CKKS: the canonical embedding at scale Δ). Noise of one upload: |e_i| ≤ 19 plus the encoding rounding 1/2.
/// Uses the secret's ŝ_i in place (keep the secret alive while encrypting); its Shoup companions are made in registers
/// as a ⊙ ŝ_i runs (<see cref="RingQ.SubtractProductLimb"/>) and a_{r,k} is read a limb at a time
/// (<see cref="RoundPolynomial.OpenLimbs"/>), so an encryption holds c0, one n-word row of a and the error, not 8·n·L
/// bytes of companions and a whole a beside them (issue 17's memory: 6.8 MB at n = 2^15 and 13 primes).
/// Not thread-safe (one ciphertext buffer for <see cref="EncryptTo"/>, one row).
/// </summary>
public sealed class MaskedEncryptor : IDisposable
{
    /// <summary>The n-word rows of encryptors (the error e_i, a row of a), kept between rounds: a participant makes an
    /// encryptor each round, and two fresh 8·n-byte arrays (large objects at n = 2^15, which only a full collection
    /// takes) each time made its peak creep up round after round (issue 17). Returned wiped.</summary>
    private static readonly ArrayPool<ulong> Rows = ArrayPool<ulong>.Create(1 << 17, Math.Clamp(2 * Environment.ProcessorCount, 4, 64));

    private readonly AggregationParameters _p;
    private readonly Poly _s;
    private readonly ulong[] _aRow;
    private readonly IAggregationCodec _codec;
    private readonly ulong[] _errorRow;
    private MaskedUpload? _own;
    private bool _disposed;

    /// <summary>Creates the encryptor for <paramref name="secret"/> (which stays owned by the caller).</summary>
    public MaskedEncryptor(AggregationParameters parameters, KeyShareSecret secret)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(secret);
        parameters.CheckSame(secret.Parameters, nameof(secret));
        _p = parameters;
        // ŝ_i is the secret's own cached NTT form (the caller keeps the secret alive and wipes it).
        _s = secret.Ntt;
        _aRow = Rows.Rent(parameters.RingDegree);
        _codec = parameters.CreateCodec();
        _errorRow = Rows.Rent(parameters.RingDegree);
    }

    /// <summary>Encrypts up to <see cref="AggregationParameters.ValuesPerChunk"/> values, each below 2^b (missing
    /// trailing values are zero), for the chunk of <paramref name="a"/>.</summary>
    public MaskedUpload Encrypt(ReadOnlySpan<uint> values, RoundPolynomial a)
    {
        MaskedUpload upload = MaskedUpload.CreateEmptySum(_p);
        Encrypt(values, a, upload);
        return upload;
    }

    /// <summary>Bytes <see cref="EncryptTo"/> writes: <see cref="MaskedUpload.SerializedBytes"/>.</summary>
    public int UploadBytes => _p.UploadBytes;

    /// <summary>
    /// Encrypts like <see cref="Encrypt(ReadOnlySpan{uint}, RoundPolynomial)"/> and writes the upload's wire form
    /// (<see cref="MaskedUpload.Serialize(Span{byte})"/> of it) into <paramref name="destination"/>, through one
    /// ciphertext buffer this encryptor keeps from a pool (no polynomial allocated per chunk). Returns the bytes written.
    /// </summary>
    public int EncryptTo(ReadOnlySpan<uint> values, RoundPolynomial a, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_own is null)
        {
            Poly c0 = PolyPool.Rent(_p.Ring);
            c0.IsNtt = true;
            _own = new MaskedUpload(_p, c0, 0);
        }

        Encrypt(values, a, _own);
        return _own.Serialize(destination);
    }

    /// <summary>Encrypts into <paramref name="destination"/> (overwritten; its summand count becomes 1).</summary>
    public void Encrypt(ReadOnlySpan<uint> values, RoundPolynomial a, MaskedUpload destination)
    {
        using Prng prng = Prng.CreateSecure();
        Encrypt(values, a, destination, prng);
    }

    internal void Encrypt(ReadOnlySpan<uint> values, RoundPolynomial a, MaskedUpload destination, Prng prng)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(destination);
        _p.CheckSame(a.Parameters, nameof(a));
        _p.CheckSame(destination.Parameters, nameof(destination));
        if (values.Length > _p.ValuesPerChunk)
        {
            throw new ArgumentException($"At most {_p.ValuesPerChunk} values fit in one chunk; got {values.Length}.", nameof(values));
        }

        // c0 = NTT(Encode(M) + e) − a ⊙ ŝ, built in c0 itself (no scratch polynomial: issue 17's memory), a limb of a
        // at a time.
        RingQ ring = _p.Ring;
        Poly c0 = destination.C0;
        _codec.Encode(values, c0);
        Span<long> error = MemoryMarshal.Cast<ulong, long>(_errorRow.AsSpan(0, _p.RingDegree));
        DiscreteGaussianSampler.StandardError.Sample(prng, error);
        ring.AddSigned(error, c0);
        error.Clear();
        ring.Ntt(c0, c0);
        using (RoundPolynomial.LimbReader limbs = a.OpenLimbs())
        {
            for (int l = 0; l < c0.LimbCount; l++)
            {
                Span<ulong> row = _aRow.AsSpan(0, _p.RingDegree); // a pooled row may be longer
                limbs.Next(row);
                ring.SubtractProductLimb(row, _s.Limb(l), c0.Limb(l), l);
            }
        }

        destination.ResetToOneUpload();
    }

    /// <summary>Gives back the ciphertext buffer and the rows (ŝ_i is the secret's, wiped with it; the error row is wiped
    /// after each encryption).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Rows.Return(_aRow);
        Array.Clear(_errorRow); // already wiped after each encryption, unless one threw between sampling and the wipe
        Rows.Return(_errorRow);
        if (_own is not null)
        {
            PolyPool.Return(_own.C0);
        }
    }
}
