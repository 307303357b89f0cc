namespace SecAgg.Aggregator.Cluster.Tests.Support;

/// <summary>
/// The backends every cluster test runs on: "memory" and "sqlite" (the one-machine node's file, shared by the in-process
/// silos) always, "postgres" when SECAGG_TEST_POSTGRES is set (CI sets it).
/// </summary>
internal static class Backends
{
    public static TheoryData<string> All
    {
        get
        {
            var data = new TheoryData<string> { "memory", "sqlite" };
            if (ClusterBackend.PostgresConnectionString is not null)
            {
                data.Add("postgres");
            }

            return data;
        }
    }
}

/// <summary>A fact that is skipped, saying why, when SECAGG_TEST_POSTGRES is unset.</summary>
internal sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (ClusterBackend.PostgresConnectionString is null)
        {
            Skip = $"{ClusterBackend.PostgresVariable} is unset: the PostgreSQL cluster tests did not run (scripts/start-postgres.sh prints a connection string)";
        }
    }
}
