using System.Collections.Immutable;
using System.Security.Cryptography;
using SecAgg.Protocol.Internal;

namespace SecAgg.Protocol.Identity;

/// <summary>
/// What a participant relies on, taken from its own copy of the consortium file and never from the aggregator: the
/// roster (ids and certificate pins, in file order), t, c, m, the HE and DP parameters and the privacy budget. Its
/// <see cref="Digest"/> is what every statement carries and what the sites compare out of band
/// (<see cref="FormatDigest()"/>), so two parties that accept each other's statements run the same consortium.
/// <para>
/// Canonical encoding (<see cref="Encode"/>; integers little-endian, str = u16 byte length ‖ UTF-8, f64 = IEEE-754 bits):
/// "SecAgg consortium v2" (20 ASCII bytes) ‖ consortium id (str) ‖ N (u16) ‖ N × (participant id (str) ‖ pin (32))
/// ‖ t (u16) ‖ c (u16) ‖ m (u16) ‖ scheme (u8: 0 bfv, 1 ckks) ‖ preset (str) ‖ model dimension d (u64)
/// ‖ max ring degree (u32) ‖ max weight (u32) ‖ bits b (u8) ‖ clip (f64) ‖ noise (u8: 1 = multiplier z, 2 = target ε)
/// ‖ noise value (f64) ‖ δ (f64) ‖ rounds (u32) ‖ ε budget (f64) ‖ κ (u16) ‖ Q_cap (u64).
/// <see cref="Digest"/> = SHA-256("secagg/v2/consortium" ‖ encoding).
/// </para>
/// </summary>
public sealed class ConsortiumDescriptor
{
    /// <summary>Bytes of <see cref="Digest"/>.</summary>
    public const int DigestBytes = 32;

    private const byte NoiseIsMultiplier = 1;
    private const byte NoiseIsTargetEpsilon = 2;
    private static readonly byte[] Magic = "SecAgg consortium v2"u8.ToArray();
    private static readonly byte[] DigestDomain = "secagg/v2/consortium"u8.ToArray();

    private readonly ConsortiumDescriptorLiteral _v;
    private readonly Dictionary<string, int> _index;
    private readonly byte[] _encoding;
    private readonly byte[] _digest;

    private ConsortiumDescriptor(ConsortiumDescriptorLiteral v)
    {
        _v = v with { Roster = [.. v.Roster] };
        Roster = [.. v.Roster];
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < Roster.Length; i++)
        {
            _index[Roster[i].ParticipantId] = i;
        }

        _encoding = BuildEncoding();
        _digest = SHA256.HashData([.. DigestDomain, .. _encoding]);
    }

    /// <summary>The consortium's id.</summary>
    public string ConsortiumId => _v.ConsortiumId;

    /// <summary>The enrolled participants in file order; party id j (the Shamir point) is entry j − 1.</summary>
    public ImmutableArray<RosterEntry> Roster { get; }

    /// <summary>N, the number of enrolled participants.</summary>
    public int ParticipantCount => Roster.Length;

    /// <summary>Decryption threshold t.</summary>
    public int Threshold => _v.Threshold;

    /// <summary>Most colluding participants c (c &lt;= t − 1).</summary>
    public int MaxColluders => _v.MaxColluders;

    /// <summary>Fewest uploads m in a decrypted sum (m − c &gt;= 1).</summary>
    public int MinParticipants => _v.MinParticipants;

    /// <summary>The ciphertext scheme.</summary>
    public HeScheme Scheme => _v.Scheme;

    /// <summary>The HE parameter preset name.</summary>
    public string HePreset => _v.HePreset;

    /// <summary>Planner input: values per update d.</summary>
    public long ModelDimension => _v.ModelDimension;

    /// <summary>Planner input: largest ring degree.</summary>
    public int MaxRingDegree => _v.MaxRingDegree;

    /// <summary>Largest public upload weight.</summary>
    public int MaxWeight => _v.MaxWeight;

    /// <summary>DP bits b per value.</summary>
    public int Bits => _v.Bits;

    /// <summary>DP clip norm.</summary>
    public double ClipNorm => _v.ClipNorm;

    /// <summary>DP noise multiplier z, or null when calibrated from <see cref="TargetEpsilon"/>.</summary>
    public double? NoiseMultiplier => _v.NoiseMultiplier;

    /// <summary>DP target ε over <see cref="Rounds"/>, or null when <see cref="NoiseMultiplier"/> is given.</summary>
    public double? TargetEpsilon => _v.TargetEpsilon;

    /// <summary>δ.</summary>
    public double Delta => _v.Delta;

    /// <summary>Rounds the DP noise is calibrated for.</summary>
    public int Rounds => _v.Rounds;

    /// <summary>The ε budget over all rounds.</summary>
    public double EpsilonBudget => _v.EpsilonBudget;

    /// <summary>κ: decryption shares over an epoch are within 2^−κ of simulated ones.</summary>
    public int StatisticalSecurity => _v.StatisticalSecurity;

    /// <summary>Q_cap: (round, chunk) pairs a member answers per key epoch.</summary>
    public long ShareCap => _v.ShareCap;

    /// <summary>SHA-256("secagg/v2/consortium" ‖ <see cref="Encode"/>()): the consortium digest every statement carries.</summary>
    public ReadOnlyMemory<byte> Digest => _digest;

    /// <summary>Checks <paramref name="literal"/> and builds the descriptor.</summary>
    /// <exception cref="ConsortiumDescriptorException">Lists every problem: t outside 1..N, c &gt;= t, m &gt; N, m − c &lt; 1,
    /// duplicate ids or pins, a pin that is not 32 bytes, DP values out of range, …</exception>
    public static ConsortiumDescriptor Create(ConsortiumDescriptorLiteral literal)
    {
        ArgumentNullException.ThrowIfNull(literal);
        List<string> errors = ConsortiumDescriptorRules.Check(literal);
        if (errors.Count > 0)
        {
            throw new ConsortiumDescriptorException(errors);
        }

        return new ConsortiumDescriptor(literal);
    }

    /// <summary>The canonical encoding (layout in the class summary).</summary>
    public byte[] Encode() => (byte[])_encoding.Clone();

    /// <summary>Reads a canonical encoding strictly (no trailing bytes, known tags) and checks the values as <see cref="Create"/> does.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a descriptor encoding.</exception>
    /// <exception cref="ConsortiumDescriptorException">The values break a rule.</exception>
    public static ConsortiumDescriptor Parse(ReadOnlySpan<byte> encoding)
    {
        var r = new ByteReader(encoding, "consortium descriptor");
        if (!r.Bytes(Magic.Length, "header").SequenceEqual(Magic))
        {
            throw r.Fail("it does not start with \"SecAgg consortium v2\"");
        }

        string id = r.String("consortium id", ConsortiumDescriptorRules.MaxConsortiumIdBytes);
        int n = r.U16("participant count");
        var roster = new RosterEntry[n];
        for (int i = 0; i < n; i++)
        {
            string pid = r.String($"participant {i + 1} id", ParticipantIds.MaxLength);
            roster[i] = new RosterEntry(pid, r.Bytes(ConsortiumDescriptorRules.PinBytes, $"participant {i + 1} pin"));
        }

        int t = r.U16("threshold"), c = r.U16("max colluders"), m = r.U16("min participants");
        byte scheme = r.U8("scheme");
        string preset = r.String("HE preset", ConsortiumDescriptorRules.MaxPresetBytes);
        ulong d = r.U64("model dimension");
        uint ring = r.U32("max ring degree"), weight = r.U32("max weight");
        byte bits = r.U8("bits");
        double clip = r.F64("clip");
        byte noiseKind = r.U8("noise kind");
        double noise = r.F64("noise value");
        if (noiseKind is not (NoiseIsMultiplier or NoiseIsTargetEpsilon))
        {
            throw r.Fail($"noise kind {noiseKind} is unknown (1 = noise multiplier, 2 = target ε)");
        }

        double delta = r.F64("delta");
        uint rounds = r.U32("rounds");
        double budget = r.F64("epsilon budget");
        int kappa = r.U16("statistical security");
        ulong cap = r.U64("share cap");
        r.End();
        if (scheme > 1 || d > long.MaxValue || ring > int.MaxValue || weight > int.MaxValue || rounds > int.MaxValue || cap > long.MaxValue)
        {
            throw r.Fail("a field is out of range (scheme, model dimension, ring degree, weight, rounds or share cap)");
        }

        return Create(new ConsortiumDescriptorLiteral
        {
            ConsortiumId = id,
            Roster = roster,
            Threshold = t,
            MaxColluders = c,
            MinParticipants = m,
            Scheme = (HeScheme)scheme,
            HePreset = preset,
            ModelDimension = (long)d,
            MaxRingDegree = (int)ring,
            MaxWeight = (int)weight,
            Bits = bits,
            ClipNorm = clip,
            NoiseMultiplier = noiseKind == NoiseIsMultiplier ? noise : null,
            TargetEpsilon = noiseKind == NoiseIsTargetEpsilon ? noise : null,
            Delta = delta,
            Rounds = (int)rounds,
            EpsilonBudget = budget,
            StatisticalSecurity = kappa,
            ShareCap = (long)cap,
        });
    }

    /// <summary>The roster position (0-based; party id = position + 1) of <paramref name="participantId"/>, or −1.</summary>
    public int IndexOf(string participantId)
    {
        ArgumentNullException.ThrowIfNull(participantId);
        return _index.TryGetValue(participantId, out int i) ? i : -1;
    }

    /// <summary>The roster position of <paramref name="participantId"/>; an <see cref="ArgumentException"/> naming the consortium if it is not enrolled.</summary>
    internal int RequireParticipant(string participantId, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(participantId, parameterName);
        int index = IndexOf(participantId);
        return index >= 0 ? index : throw new ArgumentException($"Participant '{participantId}' is not in the roster of consortium '{ConsortiumId}'.", parameterName);
    }

    /// <summary>
    /// The digest as people compare it out of band: 64 upper-case hex digits in groups of four,
    /// e.g. "3F2A 9C01 … 7B44" (printed at join; every site must read the same).
    /// </summary>
    public string FormatDigest() => DigestText.Grouped(_digest);

    /// <inheritdoc/>
    public override string ToString() => $"consortium '{ConsortiumId}' (N = {ParticipantCount}, t = {Threshold}, c = {MaxColluders}, m = {MinParticipants}, digest {FormatDigest()})";

    private byte[] BuildEncoding()
    {
        var w = new ByteWriter(128 + Roster.Length * 64);
        w.Bytes(Magic);
        w.String(ConsortiumId);
        w.U16(Roster.Length);
        foreach (RosterEntry e in Roster)
        {
            w.String(e.ParticipantId);
            w.Bytes(e.CertificateSha256.Span);
        }

        w.U16(Threshold);
        w.U16(MaxColluders);
        w.U16(MinParticipants);
        w.U8((byte)Scheme);
        w.String(HePreset);
        w.U64((ulong)ModelDimension);
        w.U32((uint)MaxRingDegree);
        w.U32((uint)MaxWeight);
        w.U8((byte)Bits);
        w.F64(ClipNorm);
        w.U8(NoiseMultiplier is null ? NoiseIsTargetEpsilon : NoiseIsMultiplier);
        w.F64(NoiseMultiplier ?? TargetEpsilon!.Value);
        w.F64(Delta);
        w.U32((uint)Rounds);
        w.F64(EpsilonBudget);
        w.U16(StatisticalSecurity);
        w.U64((ulong)ShareCap);
        return w.ToArray();
    }
}
