using System.Collections.Immutable;
using SecAgg.Aggregator.Config;
using SecAgg.Aggregator.Rounds;

namespace SecAgg.Aggregator.Service.State;

/// <summary>
/// The enrolled participants of the consortium file, in file order: a participant's Shamir evaluation point is its
/// position plus one. One key epoch (<see cref="EpochId"/>) per deployment.
/// </summary>
internal sealed class ConsortiumRoster
{
    /// <summary>The one key epoch of a deployment.</summary>
    public const ulong EpochId = 1;

    private readonly Dictionary<string, int> _points;

    public ConsortiumRoster(ConsortiumConfig config)
    {
        Config = config;
        Ids = [.. config.Participants.Select(p => p.Id)];
        _points = Ids.Select((id, i) => (id, i + 1)).ToDictionary(x => x.id, x => x.Item2, StringComparer.Ordinal);
    }

    /// <summary>The consortium file.</summary>
    public ConsortiumConfig Config { get; }

    /// <summary>Participant ids in file (= Shamir point) order.</summary>
    public ImmutableArray<string> Ids { get; }

    /// <summary>N.</summary>
    public int Count => Ids.Length;

    /// <summary>Whether <paramref name="id"/> is enrolled.</summary>
    public bool IsEnrolled(string id) => _points.ContainsKey(id);

    /// <summary>The Shamir point (1..N) of an enrolled participant.</summary>
    public int PointOf(string id) => _points[id];

    /// <summary>The Shamir points of a round's decryption set, ascending.</summary>
    public int[] SetPoints(RoundState round) => [.. round.DecryptionSet.Select(PointOf).Order()];

    /// <summary>A round's decryption set in Shamir point order.</summary>
    public string[] SetInPointOrder(RoundState round) => [.. round.DecryptionSet.OrderBy(PointOf)];
}
