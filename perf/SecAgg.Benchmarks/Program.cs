using BenchmarkDotNet.Running;
using SecAgg.Benchmarks.Seal;

// BenchmarkDotNet's command line (--filter, --job, …), plus two verbs of the benchmark runner (perf/run-benchmarks.sh):
// seal-side-by-side (SEAL 4.4.3 and our matching benchmarks alternated in one session) and seal-report; and
// participant-peak (a participant's peak memory per upload round, issue 17) and aggregator-peak (the aggregator's peak
// memory while N uploads arrive, issue 17).
switch (args.FirstOrDefault())
{
    case "seal-side-by-side":
        return SealSideBySideCommand.Measure(args[1..]);
    case "seal-report":
        return SealSideBySideCommand.Report(args[1..]);
    case "participant-peak":
        return SecAgg.Benchmarks.Participant.ParticipantPeakCommand.Run(args[1..]);
    case "aggregator-peak":
        return await SecAgg.Benchmarks.Aggregator.AggregatorPeakCommand.RunAsync(args[1..]);
    default:
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
}
