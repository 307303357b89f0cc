using System.Buffers.Binary;
using System.Security.Cryptography;
using SecAgg.Aggregator.Rounds;
using SecAgg.Crypto.Multiparty;
using SecAgg.Protocol;
using CoreStage = SecAgg.Aggregator.Rounds.RoundStage;

namespace SecAgg.Aggregator.Service;

/// <summary>The round driver: deadlines, closing collection, fixing the decryption set, combining, publishing, opening the next round.</summary>
internal sealed partial class AggregatorService
{
    /// <summary>Runs until <paramref name="ct"/> fires: one step at every tick or wake-up.</summary>
    public async Task RunDriverAsync(TimeSpan tick, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await StepAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                ServiceLog.DriverFailed(_logger, e);
            }

            try
            {
                using var tickCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
                tickCts.CancelAfter(tick);
                await _wake.WaitAsync(tickCts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One driver step (also called by tests).</summary>
    public async Task StepAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var before = await _store.GetUnfinishedRoundsAsync(ct).ConfigureAwait(false);
            var unfinished = await _coordinator.ApplyDeadlinesAsync(ct).ConfigureAwait(false);
            foreach (RoundState gone in before.Where(b => unfinished.All(u => u.Number != b.Number)))
            {
                RoundState? r = await _store.GetRoundAsync(gone.Number, ct).ConfigureAwait(false);
                if (r is { Stage: CoreStage.Aborted })
                {
                    Finished(r);
                }
            }

            if (unfinished.Count == 0)
            {
                await TryOpenNextAsync(ct).ConfigureAwait(false);
                return;
            }

            foreach (RoundState r in unfinished)
            {
                _current = r;
                if (r.Stage is CoreStage.Open or CoreStage.Collecting)
                {
                    CollectionDecision decision = _lifecycle.DecideCollection(r, _time.GetUtcNow());
                    if (decision == CollectionDecision.Decrypt)
                    {
                        await BeginDecryptionAsync(r, ct).ConfigureAwait(false);
                    }
                    else if (decision == CollectionDecision.Abort)
                    {
                        RoundState a = await _store.UpdateRoundAsync(r.Number, s => RoundLifecycle.Abort(s, $"the deadline passed with {s.Summands} uploads, fewer than min-participants {_config.MinParticipants}", _time.GetUtcNow()), null, ct).ConfigureAwait(false);
                        Finished(a);
                    }
                }
                else if (r.Stage == CoreStage.Decrypting && RoundLifecycle.AllSharesIn(r))
                {
                    await PublishAsync(r, ct).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Finished(RoundState r)
    {
        _current = r;
        _aggregates.TryRemove(r.Number, out _);
        Metrics.RoundDuration.Record(((r.ClosedAt ?? _time.GetUtcNow()) - r.OpenedAt).TotalSeconds, new KeyValuePair<string, object?>("outcome", RoundStages.Name(r.Stage)));
        if (r.Stage == CoreStage.Aborted)
        {
            ServiceLog.Aborted(_logger, r.Number, r.AbortReason ?? "");
        }
    }

    private async Task TryOpenNextAsync(CancellationToken ct)
    {
        if (_budgetExhausted || !await KeyReadyAsync(ct).ConfigureAwait(false))
        {
            return;
        }

        RoundState? latest = await _store.GetLatestRoundAsync(ct).ConfigureAwait(false);
        long next = (latest?.Number ?? 0) + 1;
        if (next > _roundsToRun)
        {
            return;
        }

        string latestModel = (await _docs.LastKeyAsync(Keys.ModelPrefix, ct).ConfigureAwait(false))!;
        long baseVersion = long.Parse(latestModel.AsSpan(Keys.ModelPrefix.Length), System.Globalization.CultureInfo.InvariantCulture);
        // rotation seed (32) | base model version (8) | max weight (8): fixed for the round even if the file changes later.
        byte[] doc = new byte[48];
        RandomNumberGenerator.Fill(doc.AsSpan(0, 32));
        BinaryPrimitives.WriteInt64LittleEndian(doc.AsSpan(32), baseVersion);
        BinaryPrimitives.WriteUInt64LittleEndian(doc.AsSpan(40), (ulong)_config.MaxWeight);

        // The parameters are written before the round exists; a crash in between leaves a document the next open overwrites.
        await _docs.PutAsync(Keys.Round(next), doc, ct).ConfigureAwait(false);
        _roundParameters.TryRemove(next, out _);
        RoundParameters p = await RoundParametersAsync(next, ct).ConfigureAwait(false);
        try
        {
            _current = await _coordinator.OpenNextRoundAsync(p.ParameterDigest, p.TotalChunks, ct).ConfigureAwait(false);
        }
        catch (RoundStateException e) when (e.Error == RoundError.PrivacyBudgetExceeded)
        {
            _budgetExhausted = true;
            ServiceLog.NotOpening(_logger, e.Message);
        }
    }

    private static byte[] AggregateDigest(AggregateChunk[] aggregate)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (AggregateChunk c in aggregate)
        {
            hash.AppendData(c.Digest);
        }

        return hash.GetHashAndReset();
    }

    private async Task BeginDecryptionAsync(RoundState r, CancellationToken ct)
    {
        _aggregates.TryRemove(r.Number, out _);
        byte[] digest = AggregateDigest(await AggregateAsync(r, ct).ConfigureAwait(false));

        string[] set = ChooseDecryptionSet(r);
        RoundState after = await _coordinator.BeginDecryptionAsync(r.Number, set, digest, ct).ConfigureAwait(false);
        _current = after;

        // Collection is closed now: re-read the sums; they must be what the digest recorded (no fold can commit after
        // the deadline or once everyone is in, so this only guards against a broken invariant).
        _aggregates.TryRemove(r.Number, out _);
        if (!AggregateDigest(await AggregateAsync(after, ct).ConfigureAwait(false)).AsSpan().SequenceEqual(digest))
        {
            RoundState a = await _store.UpdateRoundAsync(r.Number, s => RoundLifecycle.Abort(s, "decryption failed: the aggregate changed while collection closed", _time.GetUtcNow()), null, ct).ConfigureAwait(false);
            Finished(a);
            return;
        }

        ServiceLog.DecryptionBegins(_logger, r.Number, string.Join(", ", SetInPointOrder(after)), after.Summands);
    }

    private async Task PublishAsync(RoundState r, CancellationToken ct)
    {
        RoundParameters p = await RoundParametersAsync(r.Number, ct).ConfigureAwait(false);
        AggregateChunk[] aggregate = await AggregateAsync(r, ct).ConfigureAwait(false);
        float[] mean;
        try
        {
            var decrypted = new List<uint[]>(aggregate.Length);
            for (int i = 0; i < aggregate.Length; i++)
            {
                var shares = new List<ReadOnlyMemory<byte>>();
                foreach (string member in r.DecryptionSet)
                {
                    byte[] share = await _docs.GetAsync(Keys.Share(r.Number, member, i), ct).ConfigureAwait(false)
                        ?? throw new InvalidDataException($"member '{member}' has no share for chunk {i}");
                    shares.Add(share);
                }

                decrypted.Add(aggregate[i].Combine(shares));
            }

            // Unweighted rounds: the mean over the actual count. Weighted: the sum divided by Σw/max_weight.
            mean = p.MaxWeight == 1
                ? new AggregateDecoder(p).DecodeMean(decrypted, r.Summands)
                : new AggregateDecoder(p).DecodeWeightedMean(decrypted, await TotalWeightAsync(r, ct).ConfigureAwait(false));
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or InvalidOperationException)
        {
            RoundState a = await _store.UpdateRoundAsync(r.Number, s => RoundLifecycle.Abort(s, $"decryption failed: {e.Message}", _time.GetUtcNow()), null, ct).ConfigureAwait(false);
            Finished(a);
            return;
        }

        byte[] baseDoc = (await _docs.GetAsync(Keys.Model((long)p.ModelVersion), ct).ConfigureAwait(false))!;
        float[] model = DecodeModel(baseDoc).Values;
        for (int i = 0; i < model.Length; i++)
        {
            model[i] += mean[i];
        }

        long version = (long)p.ModelVersion + 1;
        await _docs.PutAsync(Keys.Model(version), EncodeModel(r.Number, r.Summands, model), ct).ConfigureAwait(false);
        RoundState published = await _coordinator.PublishAsync(r.Number, version, ct).ConfigureAwait(false);
        ServiceLog.Published(_logger, r.Number, version, published.Summands);
        Finished(published);
        Wake();
    }
}
