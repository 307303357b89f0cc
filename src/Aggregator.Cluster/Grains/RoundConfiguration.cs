using Google.Protobuf;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Service;
using SecAgg.Protocol;
using V1 = SecAgg.Proto.V1;

namespace SecAgg.Aggregator.Cluster.Grains;

/// <summary>
/// Rebuilds a round's <see cref="RoundParameters"/> on any silo from what opened it (<see cref="RoundOpening.Configuration"/>
/// and <see cref="RoundOpening.EpochSeed"/>) and the silo's own consortium preset and key epoch, as a participant does
/// (<see cref="RoundParameters.FromContract"/> checks every announced field), and checks that the rebuilt digest and chunk
/// count are the ones the round was opened with.
/// </summary>
internal static class RoundConfiguration
{
    /// <summary>The round's parameters.</summary>
    /// <exception cref="RoundRefusedException">Not given, malformed, or another round's parameters than the opened digest.</exception>
    public static RoundParameters Rebuild(ClusterConsortium consortium, long round, byte[] configuration, byte[] epochSeed, byte[] parameterDigest, int chunkCount)
    {
        if (configuration.Length == 0 || epochSeed.Length == 0)
        {
            throw new RoundRefusedException(RoundError.WrongStage,
                $"round {round} was opened without its round configuration and epoch seed (RoundOpening.For); it can be aggregated but not decrypted");
        }

        RoundParameters parameters;
        try
        {
            parameters = RoundParameters.FromContract(V1.RoundConfig.Parser.ParseFrom(configuration), consortium.Preset, consortium.EpochId, epochSeed);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or ParameterMismatchException or ArgumentException)
        {
            throw new RoundRefusedException(RoundError.InvalidArgument, $"round {round}'s configuration does not fit this consortium: {PlainMessage.Of(e)}");
        }

        return (long)parameters.Round == round && parameters.TotalChunks == chunkCount && parameters.ParameterDigest.AsSpan().SequenceEqual(parameterDigest)
            ? parameters
            : throw new RoundRefusedException(RoundError.InvalidArgument,
                $"the configuration rebuilds round {parameters.Round} with {parameters.TotalChunks} chunks and another parameter digest than round {round} was opened with");
    }
}
