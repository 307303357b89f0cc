using System.Collections.Immutable;
using System.Security.Cryptography;
using SecAgg.Crypto.Internal;
using SecAgg.Protocol.Internal;

namespace SecAgg.Protocol.Approval;

/// <summary>One round a participant approved, as its privacy ledger keeps it.</summary>
/// <param name="Epoch">The key epoch.</param>
/// <param name="Round">The round.</param>
/// <param name="Summands">|U|: the uploads of the approved list (k; ε counts k − c of them).</param>
public sealed record ApprovedRound(ulong Epoch, ulong Round, int Summands);

/// <summary>
/// A participant's own privacy ledger (docs/threat-model.md, "Privacy accounting with colluders"): every round it
/// approved with |U|, and the ε they compose to under its own consortium file (<see cref="RoundPrivacy"/> with c and δ
/// from its descriptor). <see cref="TryCharge"/> refuses a round that would take the composed ε over the file's budget,
/// so the bound holds even against an aggregator that lies about what it spent. A charged round is written before the
/// approval is recorded and signed (the approval policy calls it), so a crash can only over-count.
/// <para>
/// One file <c>privacy-ledger.bin</c> in a 0700 directory, mode 0600, rewritten atomically on each charge (temp, fsync,
/// rename, directory fsync): "SAPL" ‖ version 1 ‖ consortium digest (32) ‖ count (u32) ‖ count × (epoch (u64) ‖
/// round (u64) ‖ |U| (u32)) ‖ SHA-256 of everything before it. A damaged file, or one of another consortium digest, is an
/// error (never an empty ledger).
/// </para>
/// </summary>
public sealed class ParticipantPrivacyLedger
{
    /// <summary>The ledger's file name in its directory.</summary>
    public const string FileName = "privacy-ledger.bin";

    private static readonly byte[] Magic = "SAPL"u8.ToArray();
    private readonly ProtocolPreset _preset;
    private readonly string _path;
    private readonly Lock _gate = new();
    private ImmutableList<ApprovedRound> _rounds;

    /// <summary>Opens (creating with mode 0700 if needed) the ledger directory of a participant of <paramref name="preset"/>'s consortium.</summary>
    /// <exception cref="InvalidDataException">The ledger file is damaged or belongs to another consortium file.</exception>
    public ParticipantPrivacyLedger(string directory, ProtocolPreset preset)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(preset);
        _preset = preset;
        string full = Path.GetFullPath(directory);
        if (!Directory.Exists(full))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(full);
            }
            else
            {
                Directory.CreateDirectory(full, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        _path = Path.Combine(full, FileName);
        _rounds = File.Exists(_path) ? Read(_path, preset) : [];
    }

    /// <summary>The approved rounds, in the order they were charged.</summary>
    public IReadOnlyList<ApprovedRound> Rounds => _rounds;

    /// <summary>ε (at the file's δ, with c) of the approved rounds.</summary>
    public double SpentEpsilon => RoundPrivacy.ComposedEpsilon(_preset, [.. _rounds.Select(r => r.Summands)]);

    /// <summary>
    /// Charges round (<paramref name="epoch"/>, <paramref name="round"/>) with <paramref name="summands"/> = |U| uploads if the
    /// composed ε stays within the budget, durably, before returning true. A round already charged is not charged again
    /// (true). <paramref name="epsilon"/> is the composed ε with the round (∞ when |U| − c &lt; 1).
    /// </summary>
    public bool TryCharge(ulong epoch, ulong round, int summands, out double epsilon)
    {
        lock (_gate)
        {
            int[] spent = [.. _rounds.Select(r => r.Summands)];
            if (_rounds.Any(r => r.Epoch == epoch && r.Round == round))
            {
                epsilon = RoundPrivacy.ComposedEpsilon(_preset, spent);
                return true;
            }

            if (!RoundPrivacy.Allows(_preset, spent, summands, out epsilon))
            {
                return false;
            }

            ImmutableList<ApprovedRound> next = _rounds.Add(new ApprovedRound(epoch, round, summands));
            Write(next);
            _rounds = next;
            return true;
        }
    }

    private void Write(ImmutableList<ApprovedRound> rounds)
    {
        var w = new ByteWriter(48 + (rounds.Count * 20));
        w.Bytes(Magic);
        w.U8(1);
        w.Bytes(_preset.Descriptor.Digest.Span);
        w.U32((uint)rounds.Count);
        foreach (ApprovedRound r in rounds)
        {
            w.U64(r.Epoch);
            w.U64(r.Round);
            w.U32((uint)r.Summands);
        }

        w.Bytes(SHA256.HashData(w.WrittenSpan));
        UnixFileMode? mode = OperatingSystem.IsWindows() ? null : UnixFileMode.UserRead | UnixFileMode.UserWrite;
        DurableFile.Write(_path, w.WrittenSpan, mode);
    }

    private static ImmutableList<ApprovedRound> Read(string path, ProtocolPreset preset)
    {
        byte[] data = File.ReadAllBytes(path);
        string damaged = $"The privacy ledger '{path}' is damaged; it records the rounds this participant approved, so no round is approved until it is restored from a backup.";
        if (data.Length < 32 || !SHA256.HashData(data.AsSpan(0, data.Length - 32)).AsSpan().SequenceEqual(data.AsSpan(data.Length - 32)))
        {
            throw new InvalidDataException(damaged);
        }

        var r = new ByteReader(data.AsSpan(0, data.Length - 32), "privacy ledger");
        if (!r.Bytes(Magic.Length, "header").SequenceEqual(Magic) || r.U8("version") != 1)
        {
            throw new InvalidDataException(damaged);
        }

        if (!r.Bytes(32, "consortium digest").SequenceEqual(preset.Descriptor.Digest.Span))
        {
            throw new InvalidDataException(
                $"The privacy ledger '{path}' belongs to another consortium file (another consortium digest than {preset.Descriptor.FormatDigest()}). " +
                "A changed consortium file does not reset the privacy spent: move the old ledger away only if the consortium really starts over.");
        }

        uint count = r.U32("count");
        var rounds = ImmutableList.CreateBuilder<ApprovedRound>();
        for (uint i = 0; i < count; i++)
        {
            rounds.Add(new ApprovedRound(r.U64("epoch"), r.U64("round"), (int)Math.Min(r.U32("summands"), int.MaxValue)));
        }

        r.End();
        return rounds.ToImmutable();
    }
}
