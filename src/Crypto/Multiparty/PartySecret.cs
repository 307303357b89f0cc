using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Crypto.Multiparty.Internal;

namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// One participant's secret key share s_i: uniform ternary coefficients from the OS CSPRNG.
/// Zeroed on <see cref="Dispose"/>. Never log it; store it only with file mode 0600.
/// </summary>
public sealed class PartySecret : IDisposable
{
    private readonly long[] _coefficients;
    private Poly? _nttKeyLevel;

    private PartySecret(MultipartyParameters parameters, int partyId, long[] coefficients)
    {
        Parameters = parameters;
        PartyId = partyId;
        _coefficients = coefficients;
    }

    /// <summary>The parameters this secret belongs to.</summary>
    public MultipartyParameters Parameters { get; }

    /// <summary>This party's id in [1, N] (its Shamir point).</summary>
    public int PartyId { get; }

    /// <summary>Samples a fresh ternary secret for party <paramref name="partyId"/>.</summary>
    public static PartySecret Generate(MultipartyParameters parameters, int partyId)
    {
        using Prng prng = Prng.CreateSecure();
        return Generate(parameters, partyId, prng);
    }

    internal static PartySecret Generate(MultipartyParameters parameters, int partyId, Prng prng)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        CheckPartyId(parameters, partyId, nameof(partyId));
        var s = new long[parameters.RingDegree];
        TernarySampler.Sample(prng, s);
        return new PartySecret(parameters, partyId, s);
    }

    internal static void CheckPartyId(MultipartyParameters parameters, int partyId, string paramName)
    {
        if (partyId < 1 || partyId > parameters.Parties)
        {
            throw new ArgumentOutOfRangeException(paramName, partyId, $"Party ids are 1..{parameters.Parties}.");
        }
    }

    internal ReadOnlySpan<long> Coefficients
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _coefficients;
        }
    }

    private bool _disposed;

    /// <summary>s_i in NTT form at the key level Q (cached).</summary>
    internal Poly NttKeyLevel
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_nttKeyLevel is null)
            {
                Poly p = Parameters.KeyRing.NewPoly();
                Parameters.KeyRing.FromSigned(_coefficients, p);
                Parameters.KeyRing.Ntt(p);
                _nttKeyLevel = p;
            }

            return _nttKeyLevel;
        }
    }

    /// <summary>s_i in coefficient form at the key level (for Shamir dealing).</summary>
    internal Poly CoefficientKeyLevel()
    {
        Poly p = Parameters.KeyRing.NewPoly();
        Parameters.KeyRing.FromSigned(Coefficients, p);
        return p;
    }

    /// <summary>Serializes the secret (2 bits per coefficient) for the participant's 0600 key file.</summary>
    public byte[] Serialize()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int n = Parameters.RingDegree;
        var buf = new byte[MpWire.PrefixBytes + 4 + BitPacker.PackedBytes(n, 2)];
        MpWire.WritePrefix(buf, MpKind.PartySecret, Parameters);
        MpWire.WriteInt(buf.AsSpan(MpWire.PrefixBytes), PartyId);
        BitPacker.PackTernary(_coefficients, buf.AsSpan(MpWire.PrefixBytes + 4));
        return buf;
    }

    /// <summary>Reads a secret written by <see cref="Serialize"/>; throws <see cref="InvalidDataException"/> on any malformed byte.</summary>
    public static PartySecret Deserialize(MultipartyParameters parameters, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        int n = parameters.RingDegree;
        MpWire.ReadPrefix(data, MpKind.PartySecret, parameters, "party secret");
        if (data.Length != MpWire.PrefixBytes + 4 + BitPacker.PackedBytes(n, 2))
        {
            throw new InvalidDataException($"The party secret has {data.Length} bytes; expected {MpWire.PrefixBytes + 4 + BitPacker.PackedBytes(n, 2)}.");
        }

        int id = MpWire.ReadInt(data[MpWire.PrefixBytes..]);
        if (id < 1 || id > parameters.Parties)
        {
            throw new InvalidDataException($"The party secret names party {id}, outside 1..{parameters.Parties}.");
        }

        var s = new long[n];
        if (BitPacker.UnpackTernary(data[(MpWire.PrefixBytes + 4)..], s) is string problem)
        {
            throw new InvalidDataException($"The party secret has {problem}.");
        }

        return new PartySecret(parameters, id, s);
    }

    /// <summary>Zeroes the secret.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        Array.Clear(_coefficients);
        _nttKeyLevel?.Clear();
        _disposed = true;
    }
}
