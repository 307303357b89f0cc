using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using SecAgg.Aggregator.Accumulation;

namespace SecAgg.Aggregator.Service.Operator;

/// <summary>
/// OpenTelemetry metrics of one aggregator: its <see cref="AggregatorMetrics"/> meter and the process's ingest
/// histograms, read by the Prometheus exporter (scraped on the operator port's <c>/metrics</c>) and, with
/// <see cref="AggregatorHostOptions.OtlpEndpoint"/>, pushed over OTLP (every 60 s and at shutdown). Other aggregators in
/// the same process (tests) have meters of the same name; a view drops theirs.
/// </summary>
internal static class AggregatorTelemetry
{
    /// <summary>Registers the meter provider; <paramref name="meter"/> is this aggregator's own meter.</summary>
    public static void Add(IServiceCollection services, AggregatorHostOptions options, Meter meter)
    {
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("secagg-aggregator"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(AggregatorMetrics.MeterName);
                metrics.AddView(i => i.Meter.Name == AggregatorMetrics.MeterName && i.Meter != meter && i.Meter != IngestMetrics.Meter ? MetricStreamConfiguration.Drop : null);
                metrics.AddPrometheusExporter();
                if (options.OtlpEndpoint is { } endpoint)
                {
                    metrics.AddOtlpExporter(o =>
                    {
                        o.Endpoint = endpoint;
                        o.Protocol = options.OtlpProtocol == OtlpTransport.HttpProtobuf ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
                    });
                }
            });
    }
}
