using System.Text.RegularExpressions;
using Google.Protobuf;
using Grpc.Core;
using OxyPlot.Series;
using SecAgg.Protocol.Consortium;
using SecAgg.Aggregator.Privacy;
using SecAgg.Aggregator.Service.Operator;
using SecAgg.Aggregator.Tests.Support;
using SecAgg.Proto.V1;
using WireStage = SecAgg.Proto.V1.RoundStage;

namespace SecAgg.Aggregator.Tests.Service;

/// <summary>
/// The operator's status page as a person sees it: loaded in headless Chromium, it shows the round, its stage, who
/// uploaded, the epsilon chart and the refusals; it carries nothing secret. The chart's model is checked on its own.
/// </summary>
public sealed class StatusPageTests
{
    [ChromiumFact]
    public async Task ChromiumShowsTheRoundItsStageTheUploadersTheEpsilonChartAndTheRefusals()
    {
        // Two published rounds, then round 3 collecting with two of three uploads and one refused upload. A budget that
        // allows the three rounds (in the worst case), so the chart draws the budget line above the spent curve.
        double worst;
        await using (ServiceHarness planning = await ServiceHarness.CreateAsync("sqlite", rounds: 3))
        {
            worst = Protocol.RoundPrivacy.ComposedEpsilon(planning.Config.Preset, [3, 3, 2]);
        }

        await using ServiceHarness h = await ServiceHarness.CreateAsync("sqlite", rounds: 3, budget: worst * 1.5);
        await h.StartAsync();
        TestParticipant[] ps = h.Ids.Select(h.Participant).ToArray();
        await h.JoinEpochAsync();

        var sent = new List<byte[]>();
        for (ulong round = 1; round <= 2; round++)
        {
            await h.WaitForStageAsync(round, WireStage.Open);
            foreach (TestParticipant p in ps)
            {
                List<CiphertextUploadMessage> m = await p.EncryptAsync(round, TestParticipant.RandomUpdate((int)round));
                sent.AddRange(m.Where(x => x.KindCase == CiphertextUploadMessage.KindOneofCase.Chunk).Select(x => x.Chunk.Ciphertext.ToByteArray()));
                await p.SendAsync(m);
            }

            await h.ApproveAllAsync(round, ps);
            await h.WaitForStageAsync(round, WireStage.Decrypting);
            foreach (TestParticipant p in ps)
            {
                await p.DecryptAsync(round);
            }

            await h.WaitForStageAsync(round, WireStage.Published);
        }

        await h.WaitForStageAsync(3, WireStage.Open);
        List<CiphertextUploadMessage> stale = await ps[1].EncryptAsync(3, TestParticipant.RandomUpdate(30));
        stale[0] = new CiphertextUploadMessage { Header = new UploadHeader(stale[0].Header) { ParameterDigest = ByteString.CopyFrom(new byte[32]) } };
        await ServiceHarness.AssertStatusAsync(StatusCode.FailedPrecondition, () => ps[1].SendAsync(stale));
        await ps[0].UploadAsync(3, TestParticipant.RandomUpdate(31));
        await ps[2].UploadAsync(3, TestParticipant.RandomUpdate(32));
        await h.WaitForStageAsync(3, WireStage.Collecting);

        Uri page = h.Host!.OperatorAddress!;
        string dom = await Chromium.DumpDomAsync(page);
        string text = Regex.Replace(dom, "<[^>]+>", " ");
        Assert.Contains("Round 3 of 3", text, StringComparison.Ordinal);
        Assert.Matches(@"id=""round-stage"">collecting<", dom);
        Assert.Matches(@"id=""uploaded"">hospital-a, hospital-c<", dom);
        Assert.Contains("consortium <span id=\"consortium\">service-test</span>", dom, StringComparison.Ordinal);
        Assert.Contains("ready (every participant acknowledged its key shares)", text, StringComparison.Ordinal);
        Assert.Contains("uploads close", text, StringComparison.Ordinal);
        Assert.Matches(@"<div id=""epsilon-chart""><svg[^>]*>", dom);
        Assert.Contains(EpsilonChart.TotalTitle, dom, StringComparison.Ordinal);
        Assert.Contains("budget ε =", dom, StringComparison.Ordinal);
        Assert.Matches(@"<td>hospital-b</td><td>UploadCiphertexts</td><td>FailedPrecondition</td><td>parameter_digest does not match round 3's", dom);
        foreach (byte[] chunk in sent)
        {
            Assert.DoesNotContain(Convert.ToHexString(chunk.AsSpan(20, 16)), dom, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(Convert.ToBase64String(chunk.AsSpan(20, 24)), dom, StringComparison.Ordinal);
        }

        // SECAGG_STATUS_SCREENSHOT=path: also save what Chromium shows (docs/images/status-page.png comes from here).
        if (Environment.GetEnvironmentVariable("SECAGG_STATUS_SCREENSHOT") is { Length: > 0 } png)
        {
            await Chromium.ScreenshotAsync(page, png);
            Assert.True(new FileInfo(png).Length > 10_000);
        }
    }

    [Fact]
    public void TheChartHasTheTotalAndPerRoundSeriesThePublishedRoundsAndTheBudgetLine()
    {
        var t = DateTimeOffset.UnixEpoch;
        LedgerEntry[] ledger = [new(1, 3, 0.5, 0.5, 1e-6, t), new(2, 3, 0.5, 0.9, 1e-6, t), new(3, 2, 0.7, 1.4, 1e-6, t)];
        var model = EpsilonChart.Model(ledger, new PrivacyBudget(3, 1e-6), roundsPlanned: 5);

        var total = Assert.IsType<LineSeries>(model.Series[0]);
        var perRound = Assert.IsType<LineSeries>(model.Series[1]);
        Assert.Equal(EpsilonChart.TotalTitle, total.Title);
        Assert.Equal(EpsilonChart.RoundTitle, perRound.Title);
        Assert.Equal([0, 0.5, 0.9, 1.4], total.Points.Select(p => p.Y));
        Assert.Equal([0.0, 1, 2, 3], total.Points.Select(p => p.X));
        Assert.Equal([0.5, 0.5, 0.7], perRound.Points.Select(p => p.Y));
        var budget = Assert.Single(model.Annotations.OfType<OxyPlot.Annotations.LineAnnotation>());
        Assert.Equal(3, budget.Y);
        Assert.Equal(["round", "ε"], model.Axes.Select(a => a.Title));
        Assert.Equal(5.5, model.Axes[0].Maximum);

        string svg = EpsilonChart.Svg(ledger, new PrivacyBudget(3, 1e-6), 5);
        Assert.StartsWith("<svg", svg.TrimStart(), StringComparison.Ordinal);
        Assert.Contains("budget ε = 3", svg, StringComparison.Ordinal);
    }

    [Fact]
    public void ABudgetFarAboveTheSpentEpsilonIsNamedInTheTitleInsteadOfDrawn()
    {
        var model = EpsilonChart.Model([new LedgerEntry(1, 3, 0.5, 0.5, 1e-6, DateTimeOffset.UnixEpoch)], new PrivacyBudget(1e300, 1e-6), roundsPlanned: 1);
        Assert.Empty(model.Annotations);
        Assert.Contains("budget ε = 1E+300, off scale", model.Title, StringComparison.Ordinal);
    }
}
