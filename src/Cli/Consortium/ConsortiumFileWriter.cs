using System.Globalization;
using System.Text;

namespace SecAgg.Cli.Consortium;

/// <summary>
/// Renders the consortium file (protocol v2, docs/aggregator.md) that <c>consortium init</c> writes: roster with each
/// enrollment certificate's SHA-256 pin, t, c, m, model-dimension, deadlines, he, dp and the privacy budget. Every
/// participant and the aggregator read the same file; the consortium digest covers everything but the deadlines and
/// the storage.
/// </summary>
internal static class ConsortiumFileWriter
{
    public static string Render(ConsortiumInitOptions o, IReadOnlyDictionary<string, string> pins)
    {
        CultureInfo ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("# Written by `secagg consortium init`. Every site keeps its own copy and compares the consortium digest out of band;");
        sb.AppendLine("# the aggregator loads it with `secagg aggregator serve --consortium <this file>`.");
        sb.AppendLine(ci, $"consortium: {o.Name}");
        sb.AppendLine("ca: ca/ca.pem");
        sb.AppendLine("participants:");
        foreach (string id in o.ParticipantIds)
        {
            sb.AppendLine(ci, $"  - id: {id}");
            sb.AppendLine(ci, $"    certificate-sha256: {pins[id]}");
            sb.AppendLine(ci, $"    certificate-subject: \"CN={id}\"");
        }

        sb.AppendLine(ci, $"threshold: {o.Threshold}");
        if (o.MaxColluders is int c)
        {
            sb.AppendLine(ci, $"max-colluders: {c}");
        }

        sb.AppendLine(ci, $"min-participants: {o.MinParticipants}");
        sb.AppendLine(ci, $"max-weight: {o.MaxWeight}");
        sb.AppendLine(ci, $"model-dimension: {o.ModelDimension}");
        sb.AppendLine("deadlines:");
        sb.AppendLine("  collect: 30m");
        sb.AppendLine("  approve: 10m");
        sb.AppendLine("  decrypt: 10m");
        sb.AppendLine("he:");
        sb.AppendLine(ci, $"  preset: {o.HePreset}");
        sb.AppendLine(ci, $"  scheme: {SecAgg.Protocol.HeSchemeNames.Name(o.Scheme)}");
        sb.AppendLine("dp:");
        sb.AppendLine(ci, $"  bits: {o.Bits}");
        sb.AppendLine(ci, $"  clip: {o.Clip.ToString("R", ci)}");
        if (o.NoiseSigma is double z)
        {
            sb.AppendLine(ci, $"  noise-sigma: {z.ToString("R", ci)}");
        }
        else
        {
            sb.AppendLine(ci, $"  target-epsilon: {o.TargetEpsilon!.Value.ToString("R", ci)}");
        }

        sb.AppendLine(ci, $"  rounds: {o.Rounds}");
        sb.AppendLine("privacy-budget:");
        sb.AppendLine(ci, $"  epsilon: {o.BudgetEpsilon.ToString("R", ci)}");
        sb.AppendLine(ci, $"  delta: {o.Delta.ToString("R", ci)}");
        sb.AppendLine("storage:");
        sb.AppendLine("  provider: sqlite");
        sb.AppendLine("  path: aggregator/aggregator.db");
        return sb.ToString();
    }
}
