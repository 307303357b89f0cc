using SecAgg.Protocol.Consortium;
using SecAgg.Aggregator.Privacy;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Service.State;

namespace SecAgg.Aggregator.Service.Operator;

/// <summary>Where one participant is in the current round (ids and flags only).</summary>
/// <param name="Id">The participant id.</param>
/// <param name="KeyShareIn">It acknowledged its key shares of the key epoch (it has joined).</param>
/// <param name="Uploaded">Its upload is counted in the round's sum.</param>
/// <param name="InDecryptionSet">It is in the round's decryption set.</param>
/// <param name="Answered">It answered every decryption request of the round.</param>
internal sealed record ParticipantRow(string Id, bool KeyShareIn, bool Uploaded, bool InDecryptionSet, bool Answered);

/// <summary>
/// What the status page shows, read from the service's state at one instant: nothing secret (no keys, ciphertexts,
/// shares or per-site values; ids, counts, stages, times, the privacy ledger and refusal messages only).
/// </summary>
internal sealed record StatusSnapshot(
    DateTimeOffset Now,
    ConsortiumConfig Consortium,
    string ConsortiumFileSha256,
    string HePreset,
    ulong Epoch,
    bool KeyReady,
    RoundState? Round,
    int RoundsPlanned,
    IReadOnlyList<ParticipantRow> Participants,
    IReadOnlyList<LedgerEntry> Ledger,
    PrivacyBudget Budget,
    IReadOnlyList<RefusalRecord> Refusals)
{
    /// <summary>Reads the current state.</summary>
    public static async Task<StatusSnapshot> ReadAsync(StatusSources s, CancellationToken ct)
    {
        bool keyReady = s.Epoch.IsReady;
        RoundState? round = await s.Rounds.Store.GetLatestRoundAsync(ct).ConfigureAwait(false);
        var rows = s.Roster.Ids.Select(id => new ParticipantRow(
            id,
            s.Epoch.HasAck(id),
            round is not null && RoundState.Has(round.Contributors, id),
            round is not null && RoundState.Has(round.DecryptionSet, id),
            round is not null && RoundState.Has(round.SharesReceived, id))).ToList();
        return new StatusSnapshot(
            s.Options.Time.GetUtcNow(), s.Roster.Config, s.ConsortiumFileSha256, s.Preset.Name, ConsortiumRoster.EpochId, keyReady, round,
            s.Options.Rounds ?? s.Roster.Config.Dp.Rounds, rows, s.Privacy.Entries, s.Privacy.Budget, s.Refusals.Recent());
    }

    /// <summary>The deadline the current round waits for (collection, or the decryption shares), if it is still running.</summary>
    public DateTimeOffset? Deadline => Round switch
    {
        { Stage: RoundStage.Open or RoundStage.Collecting } r => r.CollectDeadline,
        { Stage: RoundStage.Approving, ApproveDeadline: { } a } => a,
        { Stage: RoundStage.Decrypting, DecryptDeadline: { } d } => d,
        _ => null,
    };

    /// <summary>Epsilon spent over the published rounds.</summary>
    public double EpsilonSpent => Ledger is [.., LedgerEntry last] ? last.EpsilonTotal : 0;
}
