namespace SecAgg.Aggregator.Cluster; internal static class Program { private static int Main() => 0; }
