namespace SecAgg.ClusterBench.Tests;

/// <summary>A fact that needs PostgreSQL (SECAGG_TEST_POSTGRES); skipped with a message saying so when it is not set.</summary>
internal sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (ConnectionString is null)
        {
            Skip = "SECAGG_TEST_POSTGRES is not set (export SECAGG_TEST_POSTGRES=\"$(scripts/start-postgres.sh)\")";
        }
    }

    public static string? ConnectionString => Environment.GetEnvironmentVariable("SECAGG_TEST_POSTGRES") is { Length: > 0 } s ? s : null;
}
