using System.Collections;
using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace SecAgg.Protocol.Internal;

/// <summary>
/// Compares a contract message a participant computed from its own consortium file with the one the aggregator
/// announced, field by field (protobuf reflection, field-number order, sub-messages and repeated fields included), and
/// throws <see cref="ParameterMismatchException"/> naming the first field that differs ("RoundConfig.quantization.bits")
/// with both values. Doubles agree within a relative <see cref="ContractMapping.DerivedValueTolerance"/> (they are derived
/// in floating point); everything else exactly. Fields in <c>skip</c> (full names) are not compared.
/// </summary>
internal static class ContractCheck
{
    public static void Fields(string path, IMessage own, IMessage? announced, IReadOnlySet<string>? skip = null)
    {
        ArgumentNullException.ThrowIfNull(own);
        if (announced is null)
        {
            throw Mismatch(path, "missing", "set");
        }

        foreach (FieldDescriptor field in own.Descriptor.Fields.InFieldNumberOrder())
        {
            string name = $"{path}.{field.Name}";
            if (skip?.Contains(name) == true)
            {
                continue;
            }

            object? mine = field.Accessor.GetValue(own);
            object? theirs = field.Accessor.GetValue(announced);
            if (field.IsRepeated)
            {
                CompareLists(name, field, (IList)mine!, (IList)theirs!, skip);
            }
            else
            {
                CompareValues(name, field, mine, theirs, skip);
            }
        }
    }

    private static void CompareLists(string name, FieldDescriptor field, IList mine, IList theirs, IReadOnlySet<string>? skip)
    {
        if (mine.Count != theirs.Count)
        {
            throw Mismatch($"{name} (count)", theirs.Count.ToString(CultureInfo.InvariantCulture), mine.Count.ToString(CultureInfo.InvariantCulture));
        }

        for (int i = 0; i < mine.Count; i++)
        {
            CompareValues($"{name}[{i}]", field, mine[i], theirs[i], skip);
        }
    }

    private static void CompareValues(string name, FieldDescriptor field, object? mine, object? theirs, IReadOnlySet<string>? skip)
    {
        if (field.FieldType == FieldType.Message)
        {
            if (mine is null && theirs is null)
            {
                return;
            }

            if (mine is null)
            {
                throw Mismatch(name, "set", "not set");
            }

            Fields(name, (IMessage)mine, theirs as IMessage, skip);
            return;
        }

        bool same = field.FieldType is FieldType.Double or FieldType.Float
            ? Close(Convert.ToDouble(mine, CultureInfo.InvariantCulture), Convert.ToDouble(theirs, CultureInfo.InvariantCulture))
            : Equals(mine, theirs);
        if (!same)
        {
            throw Mismatch(name, Show(theirs), Show(mine));
        }
    }

    internal static bool Close(double a, double b) =>
        a == b || Math.Abs(a - b) <= ContractMapping.DerivedValueTolerance * Math.Max(Math.Abs(a), Math.Abs(b));

    internal static ParameterMismatchException Mismatch(string field, string announced, string own) => new(
        $"{field} is {announced} in the aggregator's announcement, but this participant computes {own} from its own consortium file; " +
        "the round is refused (the aggregator runs other parameters, another consortium file or another key epoch).");

    private static string Show(object? value) => value switch
    {
        null => "not set",
        ByteString b when b.Length == 0 => "empty",
        ByteString b => DigestText.Short(b.Span),
        string s => $"'{s}'",
        double d => d.ToString("G17", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "?",
    };
}
