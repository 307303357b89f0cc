using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using SecAgg.Aggregator.Privacy;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Service.State;

namespace SecAgg.Aggregator.Service.Operator;

/// <summary>
/// The operator's read-only status page (HTML, refreshes itself every <see cref="RefreshSeconds"/> s): the consortium,
/// the key epoch, the current round with who uploaded / is in the decryption set / answered and the time to its deadline,
/// epsilon spent against the budget (a chart and the ledger), and the recent refusals. Everything on it is public to the
/// operator; nothing secret is read (see <see cref="StatusSnapshot"/>). Every text is HTML-encoded.
/// </summary>
internal static class StatusPage
{
    /// <summary>Seconds between the page's own reloads.</summary>
    public const int RefreshSeconds = 5;

    private static readonly HtmlEncoder Html = HtmlEncoder.Default;

    public static string Render(StatusSnapshot s)
    {
        var b = new StringBuilder(16 * 1024);
        string name = Html.Encode(s.Consortium.Name);
        b.Append(CultureInfo.InvariantCulture, $$"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="{{RefreshSeconds}}">
            <title>SecAgg aggregator · {{name}}</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; max-width: 70em; }
            h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 1.4em; border-bottom: 1px solid #ccc; }
            table { border-collapse: collapse; } td, th { padding: 0.2em 0.8em; text-align: left; border-bottom: 1px solid #eee; }
            .yes { color: #1a7f37; font-weight: bold; } .no { color: #999; } .stage { font-weight: bold; }
            code { font-size: 0.9em; } .muted { color: #777; font-size: 0.9em; }
            </style></head><body>
            <h1>SecAgg aggregator · consortium <span id="consortium">{{name}}</span></h1>

            """);
        Consortium(b, s);
        Epoch(b, s);
        Round(b, s);
        Privacy(b, s);
        Refusals(b, s);
        b.Append(CultureInfo.InvariantCulture, $"""
            <p class="muted">Read at {Time(s.Now)} (UTC); this page reloads every {RefreshSeconds} s. Metrics: <a href="/metrics">/metrics</a>.</p>
            </body></html>

            """);
        return b.ToString();
    }

    private static void Consortium(StringBuilder b, StatusSnapshot s)
    {
        b.Append(CultureInfo.InvariantCulture, $"""
            <table>
            <tr><th>consortium file SHA-256</th><td><code id="consortium-sha256">{s.ConsortiumFileSha256}</code></td></tr>
            <tr><th>participants</th><td>{s.Consortium.Participants.Length} (threshold t = {s.Consortium.Threshold}, min-participants = {s.Consortium.MinParticipants})</td></tr>
            <tr><th>HE preset</th><td>{Html.Encode(s.HePreset)}</td></tr>
            </table>

            """);
    }

    private static void Epoch(StringBuilder b, StatusSnapshot s)
    {
        int @in = s.Participants.Count(p => p.KeyShareIn);
        string stage = s.KeyReady ? "ready (every participant acknowledged its key shares)" : $"joining ({@in} of {s.Participants.Count} acknowledged their key shares)";
        b.Append(CultureInfo.InvariantCulture, $"<h2>Key epoch {s.Epoch}</h2>\n<p>Stage: <span class=\"stage\" id=\"epoch-stage\">{stage}</span>");
        if (!s.KeyReady)
        {
            b.Append("; waiting for ").Append(Html.Encode(string.Join(", ", s.Participants.Where(p => !p.KeyShareIn).Select(p => p.Id))));
        }

        b.Append("</p>\n");
    }

    private static void Round(StringBuilder b, StatusSnapshot s)
    {
        if (s.Round is not { } r)
        {
            b.Append(CultureInfo.InvariantCulture, $"<h2>Rounds</h2>\n<p id=\"round\">No round opened yet (round 1 of {s.RoundsPlanned} opens once the key epoch is ready).</p>\n");
            return;
        }

        b.Append(CultureInfo.InvariantCulture, $"<h2 id=\"round\">Round {r.Number} of {s.RoundsPlanned}</h2>\n<table>\n");
        b.Append(CultureInfo.InvariantCulture, $"<tr><th>stage</th><td class=\"stage\" id=\"round-stage\">{RoundStages.Name(r.Stage)}</td></tr>\n");
        b.Append(CultureInfo.InvariantCulture, $"<tr><th>opened</th><td>{Time(r.OpenedAt)}</td></tr>\n");
        b.Append(CultureInfo.InvariantCulture, $"<tr><th>uploads counted</th><td>{r.Summands} of {s.Participants.Count} (at least {s.Consortium.MinParticipants} to decrypt)</td></tr>\n");
        if (s.Deadline is { } deadline)
        {
            TimeSpan left = deadline - s.Now;
            string what = r.Stage switch { RoundStage.Decrypting => "decryption shares due", RoundStage.Approving => "approvals due", _ => "uploads close" };
            b.Append(CultureInfo.InvariantCulture, $"<tr><th>{what}</th><td id=\"deadline\">{Time(deadline)} ({(left > TimeSpan.Zero ? "in " + Span(left) : "now")})</td></tr>\n");
        }
        else if (r.ClosedAt is { } closed)
        {
            b.Append(CultureInfo.InvariantCulture, $"<tr><th>finished</th><td>{Time(closed)}</td></tr>\n");
        }

        if (r.Stage == RoundStage.Aborted)
        {
            b.Append("<tr><th>abort reason</th><td id=\"abort-reason\">").Append(Html.Encode(r.AbortReason ?? "")).Append("</td></tr>\n");
        }

        if (r.ModelVersion is { } version)
        {
            b.Append(CultureInfo.InvariantCulture, $"<tr><th>published</th><td>model version {version}</td></tr>\n");
        }

        b.Append("</table>\n<table id=\"participants\"><tr><th>participant</th><th>key share</th><th>uploaded</th><th>in decryption set</th><th>answered</th></tr>\n");
        foreach (ParticipantRow p in s.Participants)
        {
            b.Append("<tr><td>").Append(Html.Encode(p.Id)).Append("</td>")
                .Append(Mark(p.KeyShareIn)).Append(Mark(p.Uploaded)).Append(Mark(p.InDecryptionSet)).Append(Mark(p.Answered)).Append("</tr>\n");
        }

        b.Append("</table>\n");
        b.Append("<p>Uploaded: <span id=\"uploaded\">").Append(Html.Encode(string.Join(", ", s.Participants.Where(p => p.Uploaded).Select(p => p.Id)))).Append("</span>");
        b.Append("; answered: <span id=\"answered\">").Append(Html.Encode(string.Join(", ", s.Participants.Where(p => p.Answered).Select(p => p.Id)))).Append("</span></p>\n");
    }

    private static void Privacy(StringBuilder b, StatusSnapshot s)
    {
        b.Append(CultureInfo.InvariantCulture, $"""
            <h2>Privacy</h2>
            <p>ε spent: <b id="epsilon-spent">{Number(s.EpsilonSpent)}</b> of the budget ε = <b id="epsilon-budget">{Number(s.Budget.Epsilon)}</b> at δ = {Number(s.Budget.Delta)}, over {s.Ledger.Count} published rounds.</p>
            <div id="epsilon-chart">{EpsilonChart.Svg(s.Ledger, s.Budget, s.RoundsPlanned)}</div>

            """);
        if (s.Ledger.Count == 0)
        {
            return;
        }

        b.Append("<table id=\"ledger\"><tr><th>round</th><th>summands</th><th>ε of the round</th><th>ε in total</th><th>recorded</th></tr>\n");
        foreach (LedgerEntry e in s.Ledger.Reverse().Take(20))
        {
            b.Append(CultureInfo.InvariantCulture, $"<tr><td>{e.Round}</td><td>{e.Summands}</td><td>{Number(e.EpsilonRound)}</td><td>{Number(e.EpsilonTotal)}</td><td>{Time(e.RecordedAt)}</td></tr>\n");
        }

        b.Append("</table>\n");
    }

    private static void Refusals(StringBuilder b, StatusSnapshot s)
    {
        b.Append("<h2>Recent refusals</h2>\n");
        if (s.Refusals.Count == 0)
        {
            b.Append("<p id=\"refusals\">None since the service started.</p>\n");
            return;
        }

        b.Append("<table id=\"refusals\"><tr><th>time</th><th>participant</th><th>rpc</th><th>status</th><th>reason</th></tr>\n");
        foreach (RefusalRecord r in s.Refusals)
        {
            b.Append("<tr><td>").Append(Time(r.At)).Append("</td><td>").Append(Html.Encode(r.Participant)).Append("</td><td>").Append(Html.Encode(r.Method))
                .Append("</td><td>").Append(r.Status.ToString()).Append("</td><td>").Append(Html.Encode(r.Message)).Append("</td></tr>\n");
        }

        b.Append("</table>\n");
    }

    private static string Mark(bool yes) => yes ? "<td class=\"yes\">yes</td>" : "<td class=\"no\">–</td>";

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static string Number(double x) => x.ToString("G4", CultureInfo.InvariantCulture);

    private static string Span(TimeSpan t) => t.TotalHours >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours} h {t.Minutes} min")
        : t.TotalMinutes >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{t.Minutes} min {t.Seconds} s") : string.Create(CultureInfo.InvariantCulture, $"{t.Seconds} s");
}
