using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using SecAgg.Proto.V1;
using SecAgg.Transport.Tests.Interop;

namespace SecAgg.Transport.Tests.Contract;

public sealed partial class ContractTests
{
    private static readonly string ContractDirectory = Path.Combine(AppContext.BaseDirectory, "contract");

    public static TheoryData<string> ProtoFiles => new(Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "contract", "secagg", "v1"), "*.proto").Select(Path.GetFileName)!);

    public static TheoryData<string> MethodClasses => new(nameof(KeyEpochMethods), nameof(RoundsMethods), nameof(HealthMethods));

    [Theory]
    [MemberData(nameof(MethodClasses))]
    public void StaticMethodClassCoversItsServiceExactly(string className)
    {
        Type type = typeof(RoundsMethods).Assembly.GetType("SecAgg.Proto.V1." + className)!;
        var service = (ServiceDescriptor)type.GetProperty("Descriptor")!.GetValue(null)!;
        var declared = type.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType.IsGenericType && f.FieldType.GetGenericTypeDefinition() == typeof(Method<,>))
            .Select(f => (string)f.FieldType.GetProperty("FullName")!.GetValue(f.GetValue(null))!)
            .OrderBy(x => x, StringComparer.Ordinal);
        Assert.Equal(service.Methods.Select(m => $"/{service.FullName}/{m.Name}").OrderBy(x => x, StringComparer.Ordinal), declared);
    }

    [Fact]
    public void MethodKindsFollowTheProtoStreamingFlags()
    {
        Assert.Equal(MethodType.ClientStreaming, RoundsMethods.UploadCiphertexts.Type);
        Assert.Equal(MethodType.ServerStreaming, RoundsMethods.FetchDecryptionRequests.Type);
        Assert.Equal(MethodType.ClientStreaming, RoundsMethods.UploadDecryptionShares.Type);
        Assert.Equal(MethodType.ServerStreaming, RoundsMethods.DownloadGlobalModel.Type);
        Assert.Equal(MethodType.Unary, RoundsMethods.PollDecryptionRequests.Type);
        Assert.Equal(MethodType.ClientStreaming, KeyEpochMethods.UploadThresholdShares.Type);
        Assert.Equal(MethodType.ServerStreaming, KeyEpochMethods.FetchThresholdShares.Type);
        Assert.Equal("/secagg.v1.Health/Check", HealthMethods.Check.FullName);
    }

    [Fact]
    public void MethodFromDescriptorRejectsWrongMessageTypes()
    {
        var e = Assert.Throws<ArgumentException>(() => Method<GetRoundStatusRequest, RoundConfig>.FromDescriptor(RoundsMethods.Descriptor, "GetRoundStatus"));
        Assert.Equal("name", e.ParamName);
        Assert.Throws<ArgumentException>("name", () => Method<GetRoundStatusRequest, RoundStatus>.FromDescriptor(RoundsMethods.Descriptor, "NoSuchMethod"));
    }

    [Fact]
    public void WireKeyServiceNamesMatchTheDescriptors()
    {
        Assert.Equal(WireKeys.KeyEpochService, KeyEpochMethods.Descriptor.FullName);
        Assert.Equal(WireKeys.RoundsService, RoundsMethods.Descriptor.FullName);
        Assert.Equal(WireKeys.HealthService, HealthMethods.Descriptor.FullName);
    }

    [Theory]
    [MemberData(nameof(ProtoFiles))]
    public void EveryDeclarationInTheContractHasAComment(string file)
    {
        string[] lines = File.ReadAllLines(Path.Combine(ContractDirectory, "secagg", "v1", file));
        Assert.Contains("package secagg.v1;", lines);
        Assert.Contains("option csharp_namespace = \"SecAgg.Proto.V1\";", lines);
        var missing = new List<string>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (!Declaration().IsMatch(lines[i]))
            {
                continue;
            }

            int j = i - 1;
            while (j >= 0 && lines[j].Trim().Length == 0)
            {
                j--;
            }

            if (j < 0 || !lines[j].TrimStart().StartsWith("//", StringComparison.Ordinal))
            {
                missing.Add($"{file}:{i + 1}: {lines[i].Trim()}");
            }
        }

        Assert.True(missing.Count == 0, "Declarations without a comment:\n" + string.Join("\n", missing));
    }

    [PythonInteropFact]
    public async Task DebianProtocGeneratesPythonStubsAndAPythonClientSpeaksTheContractToOurServer()
    {
        Assert.True(File.Exists("/usr/include/google/protobuf/timestamp.proto"), "google/protobuf/timestamp.proto is missing: install libprotobuf-dev (test.sh does).");
        string stubs = Directory.CreateTempSubdirectory("secagg-contract-").FullName;
        var protoc = Process.Start(new ProcessStartInfo(PythonGrpc.Protoc)
        {
            ArgumentList = { "-I", ContractDirectory, "-I", "/usr/include", "--python_out=" + stubs, "--grpc_out=" + stubs, "--plugin=protoc-gen-grpc=" + PythonGrpc.GrpcPythonPlugin, "secagg/v1/common.proto", "secagg/v1/health.proto", "secagg/v1/key_epoch.proto", "secagg/v1/rounds.proto" },
            RedirectStandardError = true,
        })!;
        string protocErrors = await protoc.StandardError.ReadToEndAsync();
        await protoc.WaitForExitAsync();
        Assert.True(protoc.ExitCode == 0, "protoc rejected the contract: " + protocErrors);

        await using GrpcServer server = await GrpcServer.StartAsync(FakeAggregator.CreateRegistry(), new GrpcServerOptions());
        var python = Process.Start(new ProcessStartInfo(PythonGrpc.Python)
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "Contract", "contract_peer.py"), stubs, $"127.0.0.1:{server.Port}" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        Task<string> stderr = python.StandardError.ReadToEndAsync();
        string output = await python.StandardOutput.ReadToEndAsync();
        await python.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(python.ExitCode == 0, "the Python contract client failed: " + await stderr);
        JsonElement r = JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
        Assert.Equal("SERVING_STATUS_SERVING", r.GetProperty("health").GetString());
        Assert.Equal("[[0,1],[2,1]]", r.GetProperty("accepted").GetRawText().Replace(" ", "", StringComparison.Ordinal));
        Assert.False(r.GetProperty("complete").GetBoolean());
        Assert.Equal(2, r.GetProperty("progress_count").GetInt32());
        Assert.Equal("NOT_FOUND", r.GetProperty("missing_round").GetString());
        var detail = ErrorDetail.Parser.ParseFrom(Convert.FromHexString(r.GetProperty("error_detail").GetString()!));
        Assert.Equal(ErrorReason.NotFound, detail.Reason);
        Assert.Equal(99UL, detail.Round);
        Directory.Delete(stubs, recursive: true);
    }

    [Fact]
    public async Task TypedClientUploadsAndResumesThroughTheContract()
    {
        await using GrpcServer server = await GrpcServer.StartAsync(FakeAggregator.CreateRegistry(), new GrpcServerOptions());
        using var channel = GrpcChannel.ForAddress(server.Address);
        var client = new GrpcClient(channel, TimeSpan.FromSeconds(60));
        UploadCiphertextsResponse first = await client.CallAsync(RoundsMethods.UploadCiphertexts, FakeAggregator.Upload(7, [0]));
        Assert.Equal(1u, first.AcceptedCount);
        UploadProgress progress = await client.CallAsync(RoundsMethods.GetUploadProgress, new GetUploadProgressRequest { Round = 7, UploadId = ByteString.CopyFrom(new byte[16]) });
        Assert.Equal(1u, progress.AcceptedCount);
        UploadCiphertextsResponse second = await client.CallAsync(RoundsMethods.UploadCiphertexts, FakeAggregator.Upload(7, [1, 2]));
        Assert.True(second.Complete);
        Assert.Equal([new ChunkRange { First = 0, Count = 3 }], second.Accepted);
    }

    [Fact]
    public async Task UploadRejectedMidStreamReportsTheServersStatusNotABrokenPipe()
    {
        await using GrpcServer server = await GrpcServer.StartAsync(FakeAggregator.CreateRegistry(), new GrpcServerOptions());
        using var channel = GrpcChannel.ForAddress(server.Address);
        var client = new GrpcClient(channel, TimeSpan.FromSeconds(60));
        var e = await Assert.ThrowsAsync<RpcException>(() => client.CallAsync(RoundsMethods.UploadCiphertexts, BadUpload()));
        Assert.Equal(StatusCode.OutOfRange, e.StatusCode);
        Assert.Contains("Chunk 9", e.Status.Detail, StringComparison.Ordinal);

        static async IAsyncEnumerable<CiphertextUploadMessage> BadUpload()
        {
            await foreach (CiphertextUploadMessage m in FakeAggregator.Upload(8, [9]))
            {
                yield return m;
            }

            // Keep sending after the server has rejected the stream: 64 MiB more in 256 KiB chunks.
            ByteString filler = ByteString.CopyFrom(new byte[256 * 1024]);
            for (uint i = 0; i < 256; i++)
            {
                yield return new CiphertextUploadMessage { Chunk = new CiphertextChunk { Round = 8, ChunkIndex = 0, Ciphertext = filler } };
            }
        }
    }

    [GeneratedRegex(@"^\s*((repeated|optional)\s+)?[\w.]+\s+\w+\s*=\s*\d+\s*;|^\s*[A-Z][A-Z0-9_]*\s*=\s*\d+\s*;|^\s*(message|enum|service|oneof)\s+\w+\s*\{|^\s*rpc\s+\w+")]
    private static partial Regex Declaration();
}
