namespace SecAgg.Aggregator.Service;

/// <summary>How metrics reach an OpenTelemetry collector (<see cref="AggregatorHostOptions.OtlpEndpoint"/>).</summary>
public enum OtlpTransport
{
    /// <summary>OTLP over gRPC; the endpoint is the collector's base address (e.g. http://collector:4317).</summary>
    Grpc,

    /// <summary>OTLP over HTTP with protobuf bodies; the endpoint is the full metrics URL (e.g. http://collector:4318/v1/metrics).</summary>
    HttpProtobuf,
}
