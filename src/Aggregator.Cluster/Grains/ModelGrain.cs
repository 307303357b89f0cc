using SecAgg.Aggregator.Cluster.Hosting;
using SecAgg.Aggregator.Cluster.State;

namespace SecAgg.Aggregator.Cluster.Grains;

/// <summary><see cref="IModelGrain"/>: one write per version, checked against what is held.</summary>
internal sealed class ModelGrain(
    [PersistentState("model", ClusterHosting.StorageName)] IPersistentState<ModelState> state) : Grain, IModelGrain
{
    public Task<PublishedModel?> GetAsync() => Task.FromResult(state.State.Held
        ? new PublishedModel(this.GetPrimaryKeyLong(), state.State.Round, state.State.Participants, state.State.Values)
        : null);

    public Task<bool> IsHeldAsync() => Task.FromResult(state.State.Held);

    public Task PutInitialAsync(float[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (this.GetPrimaryKeyLong() != 0)
        {
            throw new InvalidOperationException($"model version {this.GetPrimaryKeyLong()} is published by its round; only version 0 is the initial model");
        }

        return state.State.Held
            ? state.State.Values.AsSpan().SequenceEqual(values) ? Task.CompletedTask : throw new InvalidOperationException("another initial model is held already")
            : WriteAsync(0, 0, values);
    }

    public Task PublishAsync(long round, int participants, float[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfLessThan(round, 1);
        long version = this.GetPrimaryKeyLong();
        if (version < 1)
        {
            throw new InvalidOperationException("model version 0 is the initial model; a round publishes version 1 and up");
        }

        return state.State.Held
            ? state.State.Round == round ? Task.CompletedTask : throw new InvalidOperationException($"model version {version} was published by round {state.State.Round}, not round {round}")
            : WriteAsync(round, participants, values);
    }

    private async Task WriteAsync(long round, int participants, float[] values)
    {
        state.State = new ModelState { Held = true, Round = round, Participants = participants, Values = [.. values] };
        try
        {
            await state.WriteStateAsync().ConfigureAwait(true);
        }
        catch
        {
            // Whether the write reached the store is unknown: the next activation reads what it holds.
            state.State = new ModelState();
            DeactivateOnIdle();
            throw;
        }
    }
}
