using Orleans.Concurrency;
using SecAgg.Aggregator.Cluster.Staging;
using SecAgg.Aggregator.Rounds;
using SecAgg.Crypto.Multiparty;
using SecAgg.Protocol;

namespace SecAgg.Aggregator.Cluster.Grains;

/// <summary>
/// <see cref="IShareIngestGrain"/>: the check (<see cref="CiphertextScheme.TryCheckShare"/>, one pass over the share) runs on
/// the silo the member reached, then <see cref="IStoredShares.StoreAsync"/>; the round grain only hears of a member whose
/// every chunk is held, and recounts from the store itself. Keeps nothing but each decrypting round's session (U and D
/// are fixed once the round decrypts).
/// </summary>
[StatelessWorker]
internal sealed class ShareIngestGrain(ClusterConsortium consortium, IStoredShares shares) : Grain, IShareIngestGrain
{
    private readonly Dictionary<long, SetDecryptionSession> _sessions = [];

    public async Task<ShareOutcome> SubmitShareAsync(long round, string member, int index, [Immutable] byte[] share)
    {
        ArgumentNullException.ThrowIfNull(share);
        IRoundGrain grain = GrainFactory.GetGrain<IRoundGrain>(round);
        RoundView view = await grain.GetAsync().ConfigureAwait(true);
        if (view.Stage != RoundStages.Decrypting)
        {
            _sessions.Remove(round);
            return ShareOutcome.Refuse(ShareRefusal.WrongStage, $"round {round} is {view.Stage}, not decrypting; shares are accepted only while it decrypts");
        }

        if (string.IsNullOrEmpty(member) || !view.DecryptionSet.Contains(member, StringComparer.Ordinal))
        {
            return ShareOutcome.Refuse(ShareRefusal.NotInSet, $"'{member}' is not in round {round}'s decryption set [{string.Join(", ", view.DecryptionSet)}]");
        }

        if (index < 0 || index >= view.ChunkCount)
        {
            return ShareOutcome.Refuse(ShareRefusal.ChunkOutOfRange, $"chunk {index} is outside round {round}'s chunks 0..{view.ChunkCount - 1}");
        }

        if (!_sessions.TryGetValue(round, out SetDecryptionSession? session))
        {
            RoundOpening opening = await grain.GetOpeningAsync().ConfigureAwait(true);
            RoundParameters parameters = RoundConfiguration.Rebuild(consortium, round, opening.Configuration, opening.EpochSeed, opening.ParameterDigest, opening.ChunkCount);
            _sessions[round] = session = parameters.CreateSession(consortium.InPointOrder(view.Contributors), consortium.InPointOrder(view.DecryptionSet));
        }

        if (!consortium.Scheme.TryCheckShare(share, session, index, consortium.PointOf(member), out string? problem))
        {
            return ShareOutcome.Refuse(ShareRefusal.Invalid, $"the share for chunk {index} is refused: {problem}");
        }

        StageResult stored = await shares.StoreAsync(round, member, index, share).ConfigureAwait(true);
        if (stored == StageResult.Conflict)
        {
            return ShareOutcome.Refuse(ShareRefusal.Conflicting, $"a different share for chunk {index} is held already; a member answers each chunk of a session once");
        }

        // The store is the truth: the member's count is read back, and the round grain recounts before it records.
        int held = await shares.CountAsync(round, member).ConfigureAwait(true);
        var outcome = new ShareOutcome { Accepted = true, Repeated = stored == StageResult.AlreadyStaged, Held = held };
        if (held < view.ChunkCount)
        {
            return outcome;
        }

        try
        {
            await grain.RecordSharesAsync(member).ConfigureAwait(true);
            return outcome with { Complete = true };
        }
        catch (RoundRefusedException e)
        {
            return outcome with { Message = e.Message };
        }
    }
}
