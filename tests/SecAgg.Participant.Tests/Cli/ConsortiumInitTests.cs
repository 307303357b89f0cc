using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SecAgg.Protocol.Consortium;
using SecAgg.Cli.Commands;
using SecAgg.Security;

namespace SecAgg.Participant.Tests.Cli;

public sealed class ConsortiumInitTests
{
    [Fact]
    public async Task InitWithDemoKeysWritesACaCertificatesKeysAndAConsortiumFileTheAggregatorLoads()
    {
        string dir = TestConsole.TempDirectory();
        try
        {
            var (console, output) = TestConsole.Create();
            int exit = await new RootCommand { ConsortiumCommand.Create(console) }
                .Parse($"consortium init --out {dir} --name heart-study --demo-keys --participants 3 --threshold 2 --min-participants 2 --model-dimension 100 --target-epsilon 6 --rounds 5")
                .InvokeAsync();

            Assert.True(exit == 0, output.ToString());
            ConsortiumConfig config = ConsortiumConfigLoader.Load(Path.Combine(dir, "consortium.yaml"));
            Assert.Equal("heart-study", config.Name);
            Assert.Equal(["hospital-1", "hospital-2", "hospital-3"], config.Participants.Select(p => p.Id));
            Assert.Equal(2, config.Threshold);
            Assert.Equal(6.0, config.Dp.TargetEpsilon);
            Assert.Equal(5, config.Dp.Rounds);
            Assert.Equal(100, config.ModelDimension);
            Assert.Contains("DEMO AND TESTS ONLY", output.ToString(), StringComparison.Ordinal);

            using X509Certificate2 ca = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(dir, "ca", "ca.pem")));
            foreach (var participant in config.Participants)
            {
                string pem = File.ReadAllText(Path.Combine(dir, "participants", participant.Id, "client.pem"));
                string key = File.ReadAllText(Path.Combine(dir, "participants", participant.Id, "client.key"));
                using X509Certificate2 client = X509Certificate2.CreateFromPem(pem, key);
                Assert.True(client.HasPrivateKey);
                Assert.True(CertificateAuthority.ChainsTo(client, ca, X509KeyUsageForPeer.ClientAuthentication));
                Assert.Equal(Convert.ToHexString(SHA256.HashData(client.RawData)), participant.CertificateSha256, ignoreCase: true);
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, "participants", participant.Id, "client.key")));
            }

            using X509Certificate2 server = X509Certificate2.CreateFromPem(
                File.ReadAllText(Path.Combine(dir, "aggregator", "aggregator.pem")), File.ReadAllText(Path.Combine(dir, "aggregator", "aggregator.key")));
            Assert.True(CertificateAuthority.ChainsTo(server, ca, X509KeyUsageForPeer.ServerAuthentication));
            Assert.True(server.MatchesHostname("localhost"));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, "ca", "ca.key")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task InitRefusesBadOptionsWithEveryProblemAndExitCodeTwo()
    {
        string dir = TestConsole.TempDirectory();
        var (console, output) = TestConsole.Create();
        int exit = await new RootCommand { ConsortiumCommand.Create(console) }
            .Parse($"consortium init --out {dir} --demo-keys --participants a,a,b --threshold 5 --min-participants 1 --model-dimension 0")
            .InvokeAsync();

        Assert.Equal(2, exit);
        string text = output.ToString();
        Assert.Contains("'a' is listed 2 times", text, StringComparison.Ordinal);
        Assert.Contains("--threshold is 5", text, StringComparison.Ordinal);
        Assert.Contains("--min-participants is 1", text, StringComparison.Ordinal);
        Assert.Contains("--model-dimension is 0", text, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public async Task InitNeverOverwritesAnExistingConsortium()
    {
        string dir = TestConsole.TempDirectory();
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "keep.txt"), "x");
        try
        {
            var (console, output) = TestConsole.Create();
            int exit = await new RootCommand { ConsortiumCommand.Create(console) }.Parse($"consortium init --out {dir} --demo-keys --participants 2 --model-dimension 10").InvokeAsync();
            Assert.Equal(2, exit);
            Assert.Contains("is not empty", output.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
