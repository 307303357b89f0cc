using System.Diagnostics;
using System.Runtime.InteropServices;

namespace SecAgg.Benchmarks.Seal;

/// <summary>What a side-by-side report says about the machine: lscpu's model name and flags, the load average, the compiler.</summary>
internal static class MachineProbe
{
    /// <summary>The flags (lscpu's names) that SEAL (-march=native, HEXL) or our code can use, in this order.</summary>
    private static readonly string[] Relevant =
        ["avx2", "bmi2", "adx", "avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512ifma", "avx512vbmi", "avx512_vbmi2", "aes", "vaes", "vpclmulqdq", "sha_ni"];

    /// <summary>
    /// The CPU model as lscpu names it ("Model name", with "CPU family" and "Model" where given: "AMD EPYC" alone does not
    /// tell Zen 4 from Zen 5), else /proc/cpuinfo's "model name", else "unknown CPU".
    /// </summary>
    public static string CpuModel()
    {
        string lscpu = Lscpu();
        string? name = Field(lscpu, "Model name:");
        if (name is null)
        {
            return Field(CpuInfo(), "model name") ?? "unknown CPU";
        }

        string? family = Field(lscpu, "CPU family:"), model = Field(lscpu, "Model:");
        return family is null || model is null ? name : $"{name} (CPU family {family}, model {model})";
    }

    /// <summary>The relevant flags the CPU has (space-separated), as lscpu (else /proc/cpuinfo) lists them.</summary>
    public static string CpuFlags()
    {
        string? flags = Field(Lscpu(), "Flags:") ?? Field(CpuInfo(), "flags");
        if (flags is null)
        {
            return "";
        }

        var present = flags.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        return string.Join(' ', Relevant.Where(present.Contains));
    }

    /// <summary>The 1, 5 and 15 minute load averages (/proc/loadavg), or "" where there is none.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "";

    /// <summary>The C++ compiler build.sh uses (first line of <c>g++ --version</c>), or "" when it cannot be asked.</summary>
    public static string Compiler() => (Command("g++", "--version") ?? "").Split('\n')[0].Trim();

    /// <summary>Operating system and .NET runtime.</summary>
    public static (string Os, string Runtime) Platform() => (RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription);

    private static string Lscpu() => Command("lscpu") ?? "";

    private static string CpuInfo() => File.Exists("/proc/cpuinfo") ? File.ReadAllText("/proc/cpuinfo") : "";

    private static string? Field(string text, string name) =>
        text.Split('\n').Where(l => l.StartsWith(name, StringComparison.Ordinal)).Select(l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim()).FirstOrDefault();

    private static string? Command(string file, params string[] args)
    {
        try
        {
            var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.Environment["LC_ALL"] = "C";
            foreach (string a in args)
            {
                start.ArgumentList.Add(a);
            }

            using Process p = Process.Start(start)!;
            string output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return p.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
