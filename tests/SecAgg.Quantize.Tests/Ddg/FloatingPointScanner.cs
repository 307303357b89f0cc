using System.Reflection;
using System.Reflection.Emit;

namespace SecAgg.Quantize.Tests.Ddg;

/// <summary>
/// Reads method IL and reports floating point: float constants, conversions, array and pointer element
/// accesses (ldc.r*, conv.r*, ldelem.r*, stelem.r*, ldind.r*, stind.r*, ckfinite), fields, locals and
/// parameters of a floating type (float, double, Half, decimal, and anything generic over them such as
/// <c>Span&lt;double&gt;</c> or <c>Vector256&lt;float&gt;</c>), and calls whose signature involves one.
/// Follows calls, <c>newobj</c> and <c>ldftn</c> (lambdas) into every assembly named SecAgg.*, so a float
/// anywhere below a method is found wherever the callee lives; other callees are judged by their signature.
/// </summary>
internal sealed class FloatingPointScanner
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    private static readonly HashSet<short> FloatOps = new[]
    {
        OpCodes.Ldc_R4, OpCodes.Ldc_R8, OpCodes.Conv_R4, OpCodes.Conv_R8, OpCodes.Conv_R_Un, OpCodes.Ckfinite,
        OpCodes.Ldelem_R4, OpCodes.Ldelem_R8, OpCodes.Stelem_R4, OpCodes.Stelem_R8,
        OpCodes.Ldind_R4, OpCodes.Ldind_R8, OpCodes.Stind_R4, OpCodes.Stind_R8,
    }.Select(o => o.Value).ToHashSet();

    private readonly HashSet<MethodBase> _scanned = [];
    private readonly Func<MethodBase, bool> _allowedAfterNoise;

    /// <param name="allowedAfterNoise">Calls that may take floats after the noise point (values measured before it).</param>
    public FloatingPointScanner(Func<MethodBase, bool>? allowedAfterNoise = null) => _allowedAfterNoise = allowedAfterNoise ?? (_ => false);

    /// <summary>Every problem found, as "Type.Method: what".</summary>
    public List<string> Problems { get; } = [];

    /// <summary>Methods whose whole body was scanned.</summary>
    public IReadOnlyCollection<MethodBase> Scanned => _scanned;

    public static bool IsFloat(Type t) =>
        t == typeof(double) || t == typeof(float) || t == typeof(Half) || t == typeof(decimal)
        || (t.HasElementType && IsFloat(t.GetElementType()!))
        || (t.IsGenericType && t.GetGenericArguments().Any(IsFloat));

    /// <summary>Scans <paramref name="method"/> and everything it reaches: no floating point anywhere.</summary>
    public void ScanWhole(MethodBase method)
    {
        if (!_scanned.Add(method) || method.GetMethodBody() is not { } body)
        {
            return;
        }

        string where = Name(method);
        foreach (LocalVariableInfo local in body.LocalVariables.Where(l => IsFloat(l.LocalType)))
        {
            Problems.Add($"{where}: local {local.LocalIndex} is {local.LocalType.Name}");
        }

        foreach (ParameterInfo p in method.GetParameters().Where(p => IsFloat(p.ParameterType)))
        {
            Problems.Add($"{where}: parameter {p.Name} is {p.ParameterType.Name}");
        }

        foreach (Instruction ins in Decode(method))
        {
            CheckInstruction(method, ins, sliced: false);
        }
    }

    /// <summary>
    /// Scans the part of <paramref name="method"/> that runs once noise was added: the instructions after the
    /// first call that adds noise (a call for which <paramref name="addsNoise"/> holds, directly or through
    /// methods of the same type), and everything they call. Values computed before that point may be loaded
    /// only to pass them to an allowed call. Returns false when the method never adds noise.
    /// </summary>
    public bool ScanAfterNoise(MethodBase method, Func<MethodBase, bool> addsNoise)
    {
        List<Instruction> code = Decode(method).ToList();
        int start = code.FindIndex(i => i.Callee is { } c && (addsNoise(c) || ReachesNoise(c, method.DeclaringType!, addsNoise, [])));
        if (start < 0)
        {
            return false;
        }

        MethodBase first = code[start].Callee!;
        if (addsNoise(first))
        {
            ScanWhole(first);
        }
        else
        {
            ScanAfterNoise(first, addsNoise);
        }

        for (int i = start + 1; i < code.Count; i++)
        {
            Instruction ins = code[i];
            if (ins.Local(method) is { } local && IsFloat(local.LocalType) && !(ins.IsLoad && FeedsAllowedCall(code, i)))
            {
                Problems.Add($"{Name(method)}: {ins.OpCode.Name} of {local.LocalType.Name} local {local.LocalIndex} after the noise");
            }

            if (ins.Argument(method) is { } arg && IsFloat(arg) && !(ins.IsLoad && FeedsAllowedCall(code, i)))
            {
                Problems.Add($"{Name(method)}: {ins.OpCode.Name} of a {arg.Name} argument after the noise");
            }

            CheckInstruction(method, ins, sliced: true);
        }

        return true;
    }

    private bool FeedsAllowedCall(List<Instruction> code, int at)
    {
        int i = at;
        while (i < code.Count && code[i].IsLoad)
        {
            i++;
        }

        return i < code.Count && code[i].Callee is { } c && _allowedAfterNoise(c);
    }

    private static bool ReachesNoise(MethodBase m, Type owner, Func<MethodBase, bool> addsNoise, HashSet<MethodBase> seen)
    {
        if (!IsWithin(m.DeclaringType, owner) || !seen.Add(m) || m.GetMethodBody() is null)
        {
            return false;
        }

        return Decode(m).Any(i => i.Callee is { } c && (addsNoise(c) || ReachesNoise(c, owner, addsNoise, seen)));
    }

    private static bool IsWithin(Type? t, Type owner)
    {
        for (; t is not null; t = t.DeclaringType)
        {
            if (t == owner)
            {
                return true;
            }
        }

        return false;
    }

    private void CheckInstruction(MethodBase method, Instruction ins, bool sliced)
    {
        string where = Name(method);
        if (FloatOps.Contains(ins.OpCode.Value))
        {
            Problems.Add($"{where}: {ins.OpCode.Name} at IL {ins.Offset}");
        }

        if (ins.OpCode.OperandType == OperandType.InlineField && ins.Field is { } field && IsFloat(field.FieldType))
        {
            Problems.Add($"{where}: {ins.OpCode.Name} {field.DeclaringType?.Name}.{field.Name} ({field.FieldType.Name})");
        }

        if (ins.Callee is not { } callee || (sliced && _allowedAfterNoise(callee)))
        {
            return;
        }

        if (UsesFloat(callee))
        {
            Problems.Add($"{where}: calls {callee.DeclaringType?.Name}.{callee.Name}");
        }
        else if (callee.DeclaringType?.Assembly.GetName().Name?.StartsWith("SecAgg.", StringComparison.Ordinal) == true)
        {
            ScanWhole(callee);
        }
    }

    private static bool UsesFloat(MethodBase callee)
    {
        if (callee.DeclaringType is { } dt && (dt == typeof(MathF) || IsFloat(dt)))
        {
            return true;
        }

        return (callee is MethodInfo mi && IsFloat(mi.ReturnType))
               || (callee.IsGenericMethod && callee.GetGenericArguments().Any(IsFloat))
               || callee.GetParameters().Any(p => IsFloat(p.ParameterType));
    }

    private static string Name(MethodBase m) => $"{m.DeclaringType?.Name}.{m.Name}";

    private static IEnumerable<Instruction> Decode(MethodBase method)
    {
        byte[] il = method.GetMethodBody()?.GetILAsByteArray() ?? [];
        Type[]? typeArgs = method.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : null;
        Type[]? methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (int i = 0; i < il.Length;)
        {
            short value = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
            OpCode op = OpCodesByValue[value];
            int operand = i + op.Size;
            int size = op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, operand)),
                _ => 4,
            };
            yield return new Instruction(i, op, il, operand, method.Module, typeArgs, methodArgs);
            i = operand + size;
        }
    }

    /// <summary>One decoded IL instruction and what its operand refers to.</summary>
    private sealed record Instruction(int Offset, OpCode OpCode, byte[] Il, int OperandAt, Module Module, Type[]? TypeArgs, Type[]? MethodArgs)
    {
        public MethodBase? Callee => OpCode.OperandType == OperandType.InlineMethod
            ? Module.ResolveMethod(BitConverter.ToInt32(Il, OperandAt), TypeArgs, MethodArgs)
            : null;

        public FieldInfo? Field => Module.ResolveField(BitConverter.ToInt32(Il, OperandAt), TypeArgs, MethodArgs);

        public bool IsLoad => OpCode.StackBehaviourPop == StackBehaviour.Pop0
                              && OpCode.StackBehaviourPush is StackBehaviour.Push1 or StackBehaviour.Pushi or StackBehaviour.Pushi8;

        public LocalVariableInfo? Local(MethodBase method)
        {
            int? index = OpCode.Name switch
            {
                "ldloc.0" or "stloc.0" => 0,
                "ldloc.1" or "stloc.1" => 1,
                "ldloc.2" or "stloc.2" => 2,
                "ldloc.3" or "stloc.3" => 3,
                "ldloc.s" or "stloc.s" or "ldloca.s" => Il[OperandAt],
                "ldloc" or "stloc" or "ldloca" => BitConverter.ToUInt16(Il, OperandAt),
                _ => null,
            };
            return index is { } k ? method.GetMethodBody()!.LocalVariables[k] : null;
        }

        public Type? Argument(MethodBase method)
        {
            int? index = OpCode.Name switch
            {
                "ldarg.0" => 0,
                "ldarg.1" => 1,
                "ldarg.2" => 2,
                "ldarg.3" => 3,
                "ldarg.s" or "starg.s" or "ldarga.s" => Il[OperandAt],
                "ldarg" or "starg" or "ldarga" => BitConverter.ToUInt16(Il, OperandAt),
                _ => null,
            };
            if (index is not { } k)
            {
                return null;
            }

            if (!method.IsStatic)
            {
                k--;
            }

            return k < 0 ? method.DeclaringType : method.GetParameters()[k].ParameterType;
        }
    }
}
