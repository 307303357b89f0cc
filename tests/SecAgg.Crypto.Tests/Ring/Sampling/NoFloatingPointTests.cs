using System.Reflection;
using System.Reflection.Emit;
using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Crypto.Ring.Sampling.Internal;

namespace SecAgg.Crypto.Tests.Ring.Sampling;

/// <summary>
/// Walks the IL of every method on the noise path and fails on any floating-point instruction
/// (ldc.r4/r8, conv.r4/r8/r.un) or any call whose signature or declaring type involves float/double/decimal
/// (integer overloads such as Math.Min(int, int) are fine).
/// </summary>
public sealed class NoFloatingPointTests
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    private static readonly HashSet<short> FloatOps = [OpCodes.Ldc_R4.Value, OpCodes.Ldc_R8.Value, OpCodes.Conv_R4.Value, OpCodes.Conv_R8.Value, OpCodes.Conv_R_Un.Value];

    public static TheoryData<string> NoisePathTypes() => new()
    {
        typeof(ExactDiscreteGaussianSampler).FullName!,
        typeof(FoldedGaussianCdf).FullName!,
        typeof(FoldedGaussianCdf).FullName! + "+Level",
        typeof(ExactSampling).FullName!,
        typeof(Prng).FullName!,
        typeof(AesNiCtr).FullName!,
        typeof(LargeDiscreteGaussianSampler).FullName!,
        typeof(LargeDiscreteGaussianSampler).FullName! + "+Core",
        typeof(DyadicBernoulliExp).FullName!,
    };

    [Theory]
    [MemberData(nameof(NoisePathTypes))]
    public void NoisePathHasNoFloatingPoint(string typeName)
    {
        Type type = typeof(Prng).Assembly.GetType(typeName, throwOnError: true)!;
        var (checkedMethods, problems) = FindFloatingPoint(type);
        Assert.True(checkedMethods > 0);
        Assert.True(problems.Count == 0, string.Join("; ", problems));
    }

    [Fact]
    public void TheScanFindsFloatingPointWhereThereIsSome()
    {
        // positive control: the Box–Muller large-σ path of the RLWE error sampler works in double by design
        var (_, problems) = FindFloatingPoint(typeof(DiscreteGaussianSampler));
        Assert.Contains(problems, p => p.Contains("conv.r8") || p.Contains("ldc.r8"));
        Assert.Contains(problems, p => p.Contains("Math.Sqrt") || p.Contains("Math.Log"));
    }

    private static (int Checked, List<string> Problems) FindFloatingPoint(Type type)
    {
        // Parameter intake that converts a user's double to an exact rational is not the noise path.
        string[] excluded = ["FromVariance", "ExactRational"];
        var problems = new List<string>();
        int checkedMethods = 0;
        foreach (MethodBase m in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
                     .Cast<MethodBase>()
                     .Concat(type.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static)))
        {
            if (excluded.Contains(m.Name) || m.GetMethodBody() is not { } body)
            {
                continue;
            }

            checkedMethods++;
            byte[] il = body.GetILAsByteArray()!;
            for (int i = 0; i < il.Length;)
            {
                short value = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
                OpCode op = OpCodesByValue[value];
                int size = op.Size;
                if (FloatOps.Contains(op.Value))
                {
                    problems.Add($"{m.Name}: {op.Name} at IL {i}");
                }

                if (op.OperandType == OperandType.InlineMethod)
                {
                    MethodBase? callee = m.Module.ResolveMethod(BitConverter.ToInt32(il, i + size), type.IsGenericType ? type.GetGenericArguments() : null, null);
                    if (callee is not null && UsesFloat(callee))
                    {
                        problems.Add($"{m.Name}: calls {callee.DeclaringType?.Name}.{callee.Name}");
                    }
                }

                i += size + OperandSize(op, il, i + size);
            }
        }

        return (checkedMethods, problems);
    }

    private static bool UsesFloat(MethodBase callee)
    {
        static bool IsFloat(Type t) => t == typeof(double) || t == typeof(float) || t == typeof(Half) || t == typeof(decimal);
        if (callee.DeclaringType == typeof(MathF) || (callee.DeclaringType is { } dt && IsFloat(dt)))
        {
            return true;
        }

        if (callee is MethodInfo mi && IsFloat(mi.ReturnType))
        {
            return true;
        }

        return callee.GetParameters().Any(p => IsFloat(p.ParameterType));
    }

    private static int OperandSize(OpCode op, byte[] il, int at) => op.OperandType switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, at)),
        OperandType.ShortInlineR => 4,
        _ => 4,
    };
}
