using System.Collections.Immutable;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Service.Api;
using SecAgg.Aggregator.Service.State;
using SecAgg.Proto.V1;
using CoreStage = SecAgg.Aggregator.Rounds.RoundStage;
using WireStage = SecAgg.Proto.V1.RoundStage;

namespace SecAgg.Aggregator.Tests.Service;

/// <summary>
/// The long polls (approval request, decryption session, round status): a waiter answers when the round moves, not at
/// its next recheck; a move while it reads is not missed; the wait ends with an answer; GetRoundStatus waits past the
/// stage the caller knows.
/// </summary>
public sealed class LongPollTests
{
    private static readonly TimeSpan NeverRecheck = TimeSpan.FromHours(1);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AWaiterAnswersWhenTheStateMovesNotAtItsNextRecheck()
    {
        var move = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstLook = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bool ready = false;
        int attempts = 0;
        Task<string> poll = LongPoll.UntilAsync<string>(60_000, waited =>
        {
            attempts++;
            firstLook.TrySetResult();
            return Task.FromResult(ready || waited ? "answer" : null);
        }, () => move.Task, NeverRecheck, CancellationToken.None);

        await firstLook.Task.WaitAsync(Bound);
        ready = true;
        move.SetResult();

        // Without the move it would answer only at the 60 s wait's end (the recheck is an hour): the bound is 30 s.
        Assert.Equal("answer", await poll.WaitAsync(Bound));
        Assert.Equal(2, attempts);
    }

    [Fact]
    public async Task AMoveWhileTheWaiterReadsTheStateIsNotMissed()
    {
        var move = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int attempts = 0;
        Task<string> poll = LongPoll.UntilAsync<string>(60_000, _ =>
        {
            attempts++;
            if (attempts == 1)
            {
                move.SetResult(); // the state moved after this attempt read it: the task read before it has completed
                return Task.FromResult<string?>(null);
            }

            return Task.FromResult<string?>("answer");
        }, () => move.Task, NeverRecheck, CancellationToken.None);

        Assert.Equal("answer", await poll.WaitAsync(Bound));
    }

    [Fact]
    public async Task TheWaitEndsWithTheAttemptToldItIsOver()
    {
        var never = new TaskCompletionSource();
        bool? lastWaited = null;
        Task<string> poll = LongPoll.UntilAsync<string>(200, waited =>
        {
            lastWaited = waited;
            return Task.FromResult(waited ? "over" : null);
        }, () => never.Task, NeverRecheck, CancellationToken.None);

        Assert.Equal("over", await poll.WaitAsync(Bound));
        Assert.True(lastWaited);
    }

    [Fact]
    public async Task ACancelledWaiterStopsWithoutAnotherAttempt()
    {
        var never = new TaskCompletionSource();
        using var cts = new CancellationTokenSource();
        int attempts = 0;
        Task<string> poll = LongPoll.UntilAsync<string>(60_000, _ =>
        {
            attempts++;
            return Task.FromResult<string?>(null);
        }, () => never.Task, NeverRecheck, cts.Token);

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => poll.WaitAsync(Bound));
        Assert.Equal(1, attempts);
    }

    [Fact]
    public void TheCatalogsNextMoveCompletesWhenTheStageMovesAndNotWhenItIsOfferedAgain()
    {
        var catalog = new RoundCatalog(null!, null!, null!, null!, null!);
        RoundState open = Round(1, CoreStage.Open);
        catalog.Current = open;
        Task first = catalog.NextMove;
        catalog.Current = open with { Contributors = ["hospital-1"] }; // same round and stage: no move
        Assert.False(first.IsCompleted);

        catalog.Current = open with { Stage = CoreStage.Collecting };
        Assert.True(first.IsCompleted);
        Task second = catalog.NextMove;
        Assert.False(second.IsCompleted);

        catalog.Current = open; // a stale state (an earlier stage) is not a move
        Assert.False(second.IsCompleted);
        catalog.Current = Round(2, CoreStage.Open);
        Assert.True(second.IsCompleted);
    }

    [Fact]
    public async Task TheRoundStatusWaitsWhileTheStageIsTheKnownOneAndAnswersWhenItMoves()
    {
        await using var h = await ServiceHarness.CreateAsync("sqlite", parties: 3, threshold: 2);
        await h.StartWithEpochAsync();
        await h.WaitForStageAsync(1, WireStage.Open);
        TestParticipant[] all = [.. h.Ids.Select(h.Participant)];
        Proto.V1.Rounds.RoundsClient rounds = all[0].Client.Rounds;

        // Nothing to wait past: the answer comes at once, as without wait_millis.
        RoundStatus now = await rounds.GetRoundStatusAsync(new GetRoundStatusRequest { Round = 1, WaitMillis = 60_000 }).ResponseAsync.WaitAsync(Bound);
        Assert.Equal(WireStage.Open, now.Stage);

        // A wait that passes with the stage unchanged answers with it.
        RoundStatus same = await rounds.GetRoundStatusAsync(new GetRoundStatusRequest { Round = 1, WaitMillis = 300, KnownStage = WireStage.Open }).ResponseAsync.WaitAsync(Bound);
        Assert.Equal(WireStage.Open, same.Stage);

        Task<RoundStatus> moved = rounds.GetRoundStatusAsync(new GetRoundStatusRequest { Round = 1, WaitMillis = 60_000, KnownStage = WireStage.Open }).ResponseAsync;
        await Task.Delay(300);
        Assert.False(moved.IsCompleted, "the status answered while the round was still in the stage the caller knows");
        await all[0].UploadAsync(1, TestParticipant.RandomUpdate(all[0].Id.Length));
        RoundStatus collecting = await moved.WaitAsync(Bound);
        Assert.NotEqual(WireStage.Open, collecting.Stage);
        Assert.Equal(1u, collecting.ParticipantsSubmitted);

        // A round that does not exist has no stage to wait in: answered at once.
        RoundStatus missing = await rounds.GetRoundStatusAsync(new GetRoundStatusRequest { Round = 99, WaitMillis = 60_000, KnownStage = WireStage.Open }).ResponseAsync.WaitAsync(Bound);
        Assert.Equal(WireStage.Unspecified, missing.Stage);
        Assert.NotEmpty(missing.NotOpenReason);
    }

    private static RoundState Round(long number, CoreStage stage) => new()
    {
        Number = number,
        Stage = stage,
        OpenedAt = DateTimeOffset.UnixEpoch,
        CollectDeadline = DateTimeOffset.UnixEpoch.AddHours(1),
        ParameterDigest = ImmutableArray.Create(new byte[32]),
        ChunkCount = 1,
    };
}
