using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace Actors.Compute;

/// <summary>
/// Strict mode's check: does a function capture mutable state? A static lambda or static method
/// captures nothing; a capturing lambda's closure holds each captured variable as a (mutable) field; an
/// instance method's target is checked for mutable fields, following readonly fields into the objects
/// they hold.
/// </summary>
internal static class PurityCheck
{
    private const int MaxDepth = 6;

    /// <summary>Types known to be immutable, beyond primitives, strings and enums.</summary>
    private static readonly HashSet<Type> ImmutableTypes =
    [
        typeof(decimal), typeof(DateTime), typeof(DateTimeOffset), typeof(TimeSpan), typeof(Guid), typeof(Uri), typeof(Version),
        typeof(DateOnly), typeof(TimeOnly), typeof(Half), typeof(Int128), typeof(UInt128), typeof(System.Numerics.BigInteger),
    ];

    /// <summary>Closure types (whose answer depends on the type alone), with what they capture or null.</summary>
    private static readonly ConcurrentDictionary<Type, string?> ClosureCaptures = new();

    /// <summary>What <paramref name="function"/> captures that is mutable, described for an error message; null if nothing.</summary>
    public static string? FindMutableCapture(Delegate function)
    {
        foreach (var single in function.GetInvocationList())
        {
            if (single.Target is { } target && Describe(target) is { } capture)
            {
                return capture;
            }
        }

        return null;
    }

    private static string? Describe(object target)
    {
        var type = target.GetType();
        return IsCompilerGenerated(type)
            ? ClosureCaptures.GetOrAdd(type, ClosureCapture) ?? CapturedThis(target)
            : MutableState(target, $"its target ({type.Name})", 0, new HashSet<object>(ReferenceEqualityComparer.Instance));
    }

    /// <summary>
    /// A closure's captured variables are its fields (a nested scope's closure is a field too); the
    /// cached singleton of non-capturing lambdas has no instance fields.
    /// </summary>
    private static string? ClosureCapture(Type closure)
    {
        foreach (var field in InstanceFields(closure))
        {
            if (field.Name.EndsWith("__this", StringComparison.Ordinal))
            {
                continue;
            }

            if (IsCompilerGenerated(field.FieldType))
            {
                if (ClosureCapture(field.FieldType) is { } nested)
                {
                    return nested;
                }

                continue;
            }

            return $"the variable '{field.Name}' ({field.FieldType.Name})";
        }

        return null;
    }

    /// <summary>A lambda that uses instance members captures <c>this</c>: check that object's state.</summary>
    private static string? CapturedThis(object closure)
    {
        foreach (var field in InstanceFields(closure.GetType()))
        {
            var value = field.GetValue(closure);
            if (value is null)
            {
                continue;
            }

            var found = field.Name.EndsWith("__this", StringComparison.Ordinal)
                ? MutableState(value, $"'this' ({value.GetType().Name})", 0, new HashSet<object>(ReferenceEqualityComparer.Instance))
                : IsCompilerGenerated(value.GetType()) ? CapturedThis(value) : null;
            if (found is not null)
            {
                return found;
            }
        }

        return null;
    }

    /// <summary>The first mutable field reachable from <paramref name="value"/> through readonly fields, described; null if none.</summary>
    private static string? MutableState(object value, string path, int depth, HashSet<object> seen)
    {
        var type = value.GetType();
        if (IsImmutable(type) || value is Delegate || !seen.Add(value))
        {
            return null;
        }

        if (type.IsArray)
        {
            return $"{path}, an array (arrays are mutable)";
        }

        if (depth >= MaxDepth)
        {
            return null;
        }

        foreach (var field in InstanceFields(type))
        {
            var name = BackingFieldName(field.Name);
            if (!field.IsInitOnly)
            {
                return $"{path}, whose field '{name}' is mutable";
            }

            if (field.GetValue(value) is { } held && MutableState(held, $"{path}.{name}", depth + 1, seen) is { } deeper)
            {
                return deeper;
            }
        }

        return null;
    }

    private static bool IsImmutable(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || ImmutableTypes.Contains(type)
        || type.Namespace is "System.Collections.Immutable" or "System.Collections.Frozen";

    private static bool IsCompilerGenerated(Type type) => type.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false);

    private static IEnumerable<FieldInfo> InstanceFields(Type type)
    {
        for (var current = type; current is not null && current != typeof(object); current = current.BaseType)
        {
            foreach (var field in current.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                yield return field;
            }
        }
    }

    /// <summary>An auto-property's backing field is named <c>&lt;Name&gt;k__BackingField</c>: show the property's name.</summary>
    private static string BackingFieldName(string field) =>
        field.StartsWith('<') && field.IndexOf('>') is > 1 and var end ? field[1..end] : field;
}
