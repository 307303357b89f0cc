using SecAgg.Crypto.Multiparty.Internal;
using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// A site's secret s_i for one key epoch of protocol v2 (docs/threat-model.md, "Key epoch" item 4): uniform ternary
/// coefficients from the OS CSPRNG. Its uploads are encrypted under it (<see cref="MaskedEncryptor"/>) and it is
/// Shamir-dealt to every party (<see cref="KeyShareDealer"/>); there is no public key. Never log it; store it only with
/// file mode 0600 (<see cref="Serialize"/>); zeroed on <see cref="Dispose"/>.
/// </summary>
public sealed class KeyShareSecret : IDisposable
{
    private readonly long[] _coefficients;
    private Poly? _ntt;
    private bool _disposed;

    private KeyShareSecret(AggregationParameters parameters, int partyId, long[] coefficients)
    {
        Parameters = parameters;
        PartyId = partyId;
        _coefficients = coefficients;
    }

    /// <summary>The parameters.</summary>
    public AggregationParameters Parameters { get; }

    /// <summary>The owner's party id in 1..N (its Shamir point).</summary>
    public int PartyId { get; }

    /// <summary>Bytes of <see cref="Serialize"/>'s output.</summary>
    public int SerializedBytes => SizeFor(Parameters);

    /// <summary>Samples a fresh ternary secret for <paramref name="partyId"/> from the OS CSPRNG.</summary>
    public static KeyShareSecret Generate(AggregationParameters parameters, int partyId)
    {
        using Prng prng = Prng.CreateSecure();
        return Generate(parameters, partyId, prng);
    }

    internal static KeyShareSecret Generate(AggregationParameters parameters, int partyId, Prng prng)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.CheckPartyId(partyId, nameof(partyId));
        var s = new long[parameters.RingDegree];
        TernarySampler.Sample(prng, s);
        return new KeyShareSecret(parameters, partyId, s);
    }

    /// <summary>The ternary coefficients (tests and references).</summary>
    internal ReadOnlySpan<long> Coefficients
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _coefficients;
        }
    }

    /// <summary>s_i in NTT form over every prime (cached; wiped on dispose).</summary>
    internal Poly Ntt
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_ntt is null)
            {
                Poly p = CoefficientForm();
                Parameters.Ring.Ntt(p, p);
                _ntt = p;
            }

            return _ntt;
        }
    }

    /// <summary>s_i in coefficient form over every prime (a fresh copy the caller wipes).</summary>
    internal Poly CoefficientForm()
    {
        Poly p = Parameters.Ring.NewPoly();
        Parameters.Ring.SetSigned(Coefficients, p);
        return p;
    }

    /// <summary>Writes the secret for the site's 0600 key file: prefix, party id, 2 bits per coefficient.</summary>
    public byte[] Serialize()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var buf = new byte[SerializedBytes];
        MpWire.WritePrefix(buf, MpKind.KeyShareSecret, Parameters.Digest.Span);
        MpWire.WriteInt(buf.AsSpan(MpWire.PrefixBytes), PartyId);
        BitPacker.PackTernary(_coefficients, buf.AsSpan(MpWire.PrefixBytes + 4));
        return buf;
    }

    /// <summary>Reads what <see cref="Serialize"/> wrote.</summary>
    /// <exception cref="InvalidDataException">Any malformed byte (length, prefix, party id, ternary codes, padding).</exception>
    public static KeyShareSecret Deserialize(AggregationParameters parameters, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        MpWire.ReadPrefix(data, MpKind.KeyShareSecret, parameters.Digest.Span, "aggregation parameters", "key share secret");
        if (data.Length != SizeFor(parameters))
        {
            throw new InvalidDataException($"The key share secret has {data.Length} bytes; expected {SizeFor(parameters)}.");
        }

        int id = MpWire.ReadInt(data[MpWire.PrefixBytes..]);
        if (id < 1 || id > parameters.Parties)
        {
            throw new InvalidDataException($"The key share secret names party {id}, outside 1..{parameters.Parties}.");
        }

        var s = new long[parameters.RingDegree];
        if (BitPacker.UnpackTernary(data[(MpWire.PrefixBytes + 4)..], s) is string problem)
        {
            throw new InvalidDataException($"The key share secret has {problem}.");
        }

        return new KeyShareSecret(parameters, id, s);
    }

    private static int SizeFor(AggregationParameters p) => MpWire.PrefixBytes + 4 + BitPacker.PackedBytes(p.RingDegree, 2);

    /// <summary>Zeroes the secret.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        Array.Clear(_coefficients);
        _ntt?.Clear();
        _disposed = true;
    }
}
