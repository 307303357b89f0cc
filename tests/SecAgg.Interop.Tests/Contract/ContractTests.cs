using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using SecAgg.Interop.Tests.Interop;
using SecAgg.Participant.Client;
using SecAgg.Proto.V1;

namespace SecAgg.Interop.Tests.Contract;

public sealed partial class ContractTests
{
    private static readonly string ContractDirectory = Path.Combine(AppContext.BaseDirectory, "contract");

    public static TheoryData<string> ProtoFiles => new(Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "contract", "secagg", "v1"), "*.proto").Select(Path.GetFileName)!);

    [Fact]
    public void GeneratedServicesFollowTheProtoStreamingFlags()
    {
        MethodDescriptor Method(ServiceDescriptor s, string name) => s.FindMethodByName(name);
        Assert.True(Method(Rounds.Descriptor, "UploadCiphertexts").IsClientStreaming);
        Assert.True(Method(Rounds.Descriptor, "UploadDecryptionShares").IsClientStreaming);
        Assert.True(Method(Rounds.Descriptor, "DownloadGlobalModel").IsServerStreaming);
        Assert.False(Method(Rounds.Descriptor, "GetApprovalRequest").IsServerStreaming);
        Assert.False(Method(Rounds.Descriptor, "GetDecryptionSession").IsServerStreaming);
        Assert.False(Method(KeyEpoch.Descriptor, "GetCommits").IsServerStreaming);
        Assert.True(Method(KeyEpoch.Descriptor, "UploadThresholdShares").IsClientStreaming);
        Assert.True(Method(KeyEpoch.Descriptor, "FetchThresholdShares").IsServerStreaming);

        // The generated bases declare one overridable method per rpc, nothing more.
        foreach ((Type baseType, ServiceDescriptor service) in new[] { (typeof(Rounds.RoundsBase), Rounds.Descriptor), (typeof(KeyEpoch.KeyEpochBase), KeyEpoch.Descriptor) })
        {
            var declared = baseType.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly).Where(m => m.IsVirtual).Select(m => m.Name).Order(StringComparer.Ordinal);
            Assert.Equal(service.Methods.Select(m => m.Name).Order(StringComparer.Ordinal), declared);
        }
    }

    [Fact]
    public void WireKeyServiceNamesMatchTheDescriptors()
    {
        Assert.Equal(WireKeys.KeyEpochService, KeyEpoch.Descriptor.FullName);
        Assert.Equal(WireKeys.RoundsService, Rounds.Descriptor.FullName);
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
        (WebApplication server, int port) = await FakeAggregator.StartAsync();
        await using WebApplication app = server;
        JsonElement r = await PythonGrpc.RunScriptAsync("contract", [Path.Combine(AppContext.BaseDirectory, "Contract", "contract_peer.py"), PythonGrpc.ContractStubsDirectory, $"127.0.0.1:{port}"]);
        Assert.Equal("SERVING", r.GetProperty("health").GetString());
        Assert.Equal("NOT_FOUND", r.GetProperty("unknown_service").GetString());
        Assert.Equal("[[0,1],[2,1]]", r.GetProperty("accepted").GetRawText().Replace(" ", "", StringComparison.Ordinal));
        Assert.False(r.GetProperty("complete").GetBoolean());
        Assert.Equal(2, r.GetProperty("progress_count").GetInt32());
        Assert.Equal("NOT_FOUND", r.GetProperty("missing_round").GetString());
        var detail = ErrorDetail.Parser.ParseFrom(Convert.FromHexString(r.GetProperty("error_detail").GetString()!));
        Assert.Equal(ErrorReason.NotFound, detail.Reason);
        Assert.Equal(99UL, detail.Round);
    }

    [Fact]
    public async Task GeneratedClientUploadsAndResumesThroughTheContract()
    {
        (WebApplication server, int port) = await FakeAggregator.StartAsync();
        await using WebApplication app = server;
        using GrpcChannel channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        var client = new Rounds.RoundsClient(channel);
        UploadCiphertextsResponse first = await client.UploadCiphertexts().SendAsync(FakeAggregator.Upload(7, [0]));
        Assert.Equal(1u, first.AcceptedCount);
        UploadProgress progress = await client.GetUploadProgressAsync(new GetUploadProgressRequest { Round = 7, UploadId = ByteString.CopyFrom(new byte[16]) });
        Assert.Equal(1u, progress.AcceptedCount);
        UploadCiphertextsResponse second = await client.UploadCiphertexts().SendAsync(FakeAggregator.Upload(7, [1, 2]));
        Assert.True(second.Complete);
        Assert.Equal([new ChunkRange { First = 0, Count = 3 }], second.Accepted);
    }

    [Fact]
    public async Task UploadRejectedMidStreamReportsTheServersStatusNotABrokenPipe()
    {
        (WebApplication server, int port) = await FakeAggregator.StartAsync();
        await using WebApplication app = server;
        using GrpcChannel channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        var e = await Assert.ThrowsAsync<RpcException>(() => new Rounds.RoundsClient(channel).UploadCiphertexts().SendAsync(BadUpload()));
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
