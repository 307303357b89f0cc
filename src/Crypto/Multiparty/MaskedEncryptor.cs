using SecAgg.Crypto.Multiparty.Internal;
using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// A site's protocol-v2 upload encryption under its own key share (docs/threat-model.md, "Masked upload"):
/// <b>c0_i = −a_{r,k}·s_i + NTT(e_i + Encode(M))</b>, a fresh RLWE sample under s_i (so it hides M), with e_i fresh
/// from σ = 3.2 truncated at 19 and Encode the parameters' codec (BFV: round(q·M/T) exactly, M the k-packed b-bit
/// values; CKKS: the canonical embedding at scale Δ). Noise of one upload: |e_i| ≤ 19 plus the encoding rounding 1/2.
/// Uses the secret's ŝ_i in place (keep the secret alive while encrypting) and holds its Shoup companions (secret):
/// <see cref="Dispose"/> wipes them. Not thread-safe (one ciphertext buffer for <see cref="EncryptTo"/>).
/// </summary>
public sealed class MaskedEncryptor : IDisposable
{
    private readonly AggregationParameters _p;
    private readonly Poly _s;
    private readonly Poly _sShoup;
    private readonly IAggregationCodec _codec;
    private readonly long[] _error;
    private MaskedUpload? _own;
    private bool _disposed;

    /// <summary>Creates the encryptor for <paramref name="secret"/> (which stays owned by the caller).</summary>
    public MaskedEncryptor(AggregationParameters parameters, KeyShareSecret secret)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(secret);
        parameters.CheckSame(secret.Parameters, nameof(secret));
        _p = parameters;
        // ŝ_i is the secret's own cached NTT form (the caller keeps the secret alive and wipes it); its Shoup companions
        // come from the pool of per-round polynomials (issue 17), and Dispose gives them back wiped.
        _s = secret.Ntt;
        _sShoup = PolyPool.Rent(parameters.Ring);
        parameters.Ring.ComputeShoup(_s, _sShoup);
        _codec = parameters.CreateCodec();
        _error = new long[parameters.RingDegree];
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

        // c0 = NTT(Encode(M) + e) − a ⊙ ŝ, built in c0 itself (no scratch polynomial: issue 17's memory).
        RingQ ring = _p.Ring;
        Poly c0 = destination.C0;
        _codec.Encode(values, c0);
        DiscreteGaussianSampler.StandardError.Sample(prng, _error);
        ring.AddSigned(_error, c0);
        Array.Clear(_error);
        ring.Ntt(c0, c0);
        ring.SubtractProductShoup(a.A, _s, _sShoup, c0);
        destination.ResetToOneUpload();
    }

    /// <summary>Wipes the Shoup companions of ŝ_i and gives back the ciphertext buffer (ŝ_i itself is the secret's, wiped with it).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        PolyPool.Return(_sShoup);
        if (_own is not null)
        {
            PolyPool.Return(_own.C0);
        }
    }
}
