using System.Globalization;
using System.Text;
using SecAgg.Protocol.Internal;

namespace SecAgg.Protocol.Identity;

/// <summary>The checks behind <see cref="ConsortiumDescriptor.Create"/>: every problem, each saying what to change.</summary>
internal static class ConsortiumDescriptorRules
{
    public const int PinBytes = 32;
    public const int MaxConsortiumIdBytes = 128;
    public const int MaxPresetBytes = 128;
    public const int MaxParticipants = 10_000;
    public const int MaxBits = 62;
    public const int MaxWeightLimit = 1_000_000;

    public static List<string> Check(ConsortiumDescriptorLiteral d)
    {
        var errors = new List<string>();
        CheckId(d.ConsortiumId, errors);
        int n = CheckRoster(d.Roster, errors);
        CheckCounts(d, n, errors);
        CheckHe(d, errors);
        CheckDp(d, errors);
        if (d.StatisticalSecurity is < 20 or > 128)
        {
            errors.Add($"statistical security κ = {d.StatisticalSecurity} must be in 20..128 (the design uses 40: shares within 2^-40 of simulated ones)");
        }

        if (d.ShareCap < 1 || d.ShareCap > 1L << 40)
        {
            errors.Add($"share cap Q_cap = {d.ShareCap} must be in 1..2^40 (round, chunk) pairs per member and epoch (default 2^16)");
        }

        return errors;
    }

    private static void CheckId(string? id, List<string> errors)
    {
        if (string.IsNullOrEmpty(id))
        {
            errors.Add("the consortium id is empty; give the consortium: name of the consortium file");
        }
        else if (Encoding.UTF8.GetByteCount(id) > MaxConsortiumIdBytes || id.Any(char.IsControl))
        {
            errors.Add($"the consortium id '{id}' must be 1 to {MaxConsortiumIdBytes} UTF-8 bytes without control characters");
        }
    }

    private static int CheckRoster(IReadOnlyList<RosterEntry>? roster, List<string> errors)
    {
        if (roster is null || roster.Count < 2)
        {
            errors.Add($"the roster lists {roster?.Count ?? 0} participant(s); a consortium needs at least two");
            return roster?.Count ?? 0;
        }

        if (roster.Count > MaxParticipants)
        {
            errors.Add($"the roster lists {roster.Count} participants; at most {MaxParticipants} are supported");
        }

        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var pins = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < roster.Count; i++)
        {
            RosterEntry? e = roster[i];
            if (e is null)
            {
                errors.Add($"roster entry {i + 1} is missing");
                continue;
            }

            string who = $"roster entry {i + 1} ('{e.ParticipantId}')";
            if (!ParticipantIds.IsValid(e.ParticipantId))
            {
                errors.Add($"{who}: the id is not valid; use {ParticipantIds.Rule}");
            }
            else if (ids.TryGetValue(e.ParticipantId, out int first))
            {
                errors.Add($"{who}: the id is listed twice (first as entry {first}); participant ids must be unique");
            }
            else
            {
                ids[e.ParticipantId] = i + 1;
            }

            ReadOnlySpan<byte> pin = e.CertificateSha256.Span;
            if (pin.Length != PinBytes)
            {
                errors.Add($"{who}: the certificate pin is {pin.Length} bytes; it must be the 32-byte SHA-256 of the participant's certificate (DER)");
            }
            else if (pins.TryGetValue(Convert.ToHexString(pin), out string? other))
            {
                errors.Add($"{who}: the certificate pin is the same as participant '{other}''s; each participant needs its own certificate");
            }
            else
            {
                pins[Convert.ToHexString(pin)] = e.ParticipantId;
            }
        }

        return roster.Count;
    }

    private static void CheckCounts(ConsortiumDescriptorLiteral d, int n, List<string> errors)
    {
        int t = d.Threshold, c = d.MaxColluders, m = d.MinParticipants;
        if (t < 1 || t > n)
        {
            errors.Add($"threshold t = {t} must be in 1..{n} (the number of participants in the roster)");
        }

        if (c < 0)
        {
            errors.Add($"max-colluders c = {c} must not be negative");
        }
        else if (c >= t)
        {
            errors.Add($"max-colluders c = {c} must be at most t - 1 = {t - 1}: c colluders holding t key shares could decrypt any upload alone; raise the threshold or lower c");
        }

        if (m < 2)
        {
            errors.Add($"min-participants m = {m} must be at least 2: a sum of one upload is that upload");
        }
        else if (m > n)
        {
            errors.Add($"min-participants m = {m} exceeds the {n} participants in the roster; no round could ever be decrypted");
        }

        if (c >= 0 && m - c < 1)
        {
            errors.Add($"min-participants m = {m} minus max-colluders c = {c} leaves no honest summand (m - c must be at least 1); raise m or lower c");
        }
    }

    private static void CheckHe(ConsortiumDescriptorLiteral d, List<string> errors)
    {
        if (!Enum.IsDefined(d.Scheme))
        {
            errors.Add($"the HE scheme {(int)d.Scheme} is unknown; use bfv or ckks");
        }

        if (string.IsNullOrEmpty(d.HePreset) || Encoding.UTF8.GetByteCount(d.HePreset) > MaxPresetBytes || d.HePreset.Any(char.IsControl))
        {
            errors.Add($"the HE preset name '{d.HePreset}' must be 1 to {MaxPresetBytes} UTF-8 bytes without control characters");
        }

        if (d.ModelDimension < 1)
        {
            errors.Add($"the model dimension d = {d.ModelDimension} must be at least 1");
        }

        if (d.MaxRingDegree < 1024 || d.MaxRingDegree > 1 << 17 || (d.MaxRingDegree & (d.MaxRingDegree - 1)) != 0)
        {
            errors.Add($"the largest ring degree {d.MaxRingDegree} must be a power of two in 1024..131072");
        }

        if (d.MaxWeight < 1 || d.MaxWeight > MaxWeightLimit)
        {
            errors.Add($"max-weight {d.MaxWeight} must be in 1..{MaxWeightLimit} (1 = unweighted FedAvg)");
        }
    }

    private static void CheckDp(ConsortiumDescriptorLiteral d, List<string> errors)
    {
        if (d.Bits < 1 || d.Bits > MaxBits)
        {
            errors.Add($"dp bits b = {d.Bits} must be in 1..{MaxBits}");
        }

        if (!IsPositiveFinite(d.ClipNorm))
        {
            errors.Add($"dp clip norm {Fmt(d.ClipNorm)} must be a positive finite number");
        }

        if ((d.NoiseMultiplier is null) == (d.TargetEpsilon is null))
        {
            errors.Add("give exactly one of the dp noise multiplier z and the dp target ε (the other is calibrated from it)");
        }

        if (d.NoiseMultiplier is double z && !IsPositiveFinite(z))
        {
            errors.Add($"dp noise multiplier z = {Fmt(z)} must be a positive finite number");
        }

        if (d.TargetEpsilon is double target)
        {
            if (!IsPositiveFinite(target))
            {
                errors.Add($"dp target ε = {Fmt(target)} must be a positive finite number");
            }
            else if (target > d.EpsilonBudget)
            {
                errors.Add($"dp target ε = {Fmt(target)} exceeds the ε budget {Fmt(d.EpsilonBudget)}; the calibrated noise would overspend it");
            }
        }

        if (!(d.Delta > 0 && d.Delta < 1))
        {
            errors.Add($"δ = {Fmt(d.Delta)} must be in (0, 1)");
        }

        if (d.Rounds < 1)
        {
            errors.Add($"dp rounds = {d.Rounds} must be at least 1");
        }

        if (!IsPositiveFinite(d.EpsilonBudget))
        {
            errors.Add($"the ε budget {Fmt(d.EpsilonBudget)} must be a positive finite number");
        }
    }

    private static bool IsPositiveFinite(double x) => x > 0 && double.IsFinite(x);

    private static string Fmt(double x) => x.ToString("G6", CultureInfo.InvariantCulture);
}
