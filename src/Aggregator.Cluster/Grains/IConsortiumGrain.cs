using Orleans.Concurrency;

namespace SecAgg.Aggregator.Cluster.Grains;

/// <summary>
/// The consortium (key 0: one per cluster service): the sequence of rounds (from 1, one at a time) and the privacy ledger.
/// A round opens only after the previous one was published or aborted, and only if publishing it with as few as
/// min-participants summands would keep the composed ε within the budget; a round's spend is recorded before its model is
/// released. Calls are refused with <see cref="RoundRefusedException"/> (BadSequence, PrivacyBudgetExceeded, InvalidArgument).
/// </summary>
public interface IConsortiumGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// The number of the round to open next: 1 first; r + 1 once round r is published or aborted; r again if r was recorded
    /// as opened but its round grain never opened (a crash between the two writes).
    /// </summary>
    Task<long> NextRoundAsync();

    /// <summary>
    /// Opens round <paramref name="round"/>, which must be <see cref="NextRoundAsync"/>'s answer: recorded as the latest round
    /// first, then opened on its round grain. Calling it again for the latest round re-drives the round grain's open (idempotent
    /// with the same opening), which mends a crash between the two writes.
    /// </summary>
    Task<RoundView> OpenRoundAsync(long round, RoundOpening opening);

    /// <summary>
    /// Records what releasing round <paramref name="round"/> (the latest opened) with <paramref name="summands"/> uploads
    /// spends: ε of the round and of the whole ledger composed. Called before the model is released; the same call again
    /// returns the recorded line, another summand count for a recorded round is refused.
    /// </summary>
    Task<SpentRound> RecordSpendAsync(long round, int summands);

    /// <summary>The latest round recorded as opened; 0 before round 1.</summary>
    [AlwaysInterleave]
    Task<long> GetLatestRoundAsync();

    /// <summary>The ledger, oldest first.</summary>
    [AlwaysInterleave]
    Task<SpentRound[]> GetLedgerAsync();
}
