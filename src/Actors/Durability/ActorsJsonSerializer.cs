using System.Collections.Frozen;
using System.Runtime.Serialization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Akka.Actor;
using Akka.Serialization;

namespace Actors.Durability;

/// <summary>
/// Writes the library's stored types as JSON (System.Text.Json), each under the stable versioned manifest
/// it declares with <c>[StoredAs]</c> (such as <c>task.accepted.v1</c>). Reading maps the manifest to one
/// of those types, so no type name from stored data ever picks what is deserialized; an unknown manifest
/// is an error. Each capability declares its own stored types; this class names none of them.
/// </summary>
public sealed class ActorsJsonSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>Every <see cref="IStored"/> type of this assembly, by the name it declares with <see cref="StoredAsAttribute"/>.</summary>
    private static readonly FrozenDictionary<string, Type> TypesByManifest = typeof(IStored).Assembly.GetTypes()
        .Where(type => typeof(IStored).IsAssignableFrom(type) && type.IsClass && !type.IsAbstract)
        .ToFrozenDictionary(ManifestOf, StringComparer.Ordinal);

    private static readonly FrozenSet<Type> LargeTypes = TypesByManifest.Values.Where(type => type.GetCustomAttribute<StoredAsAttribute>()!.Large).ToFrozenSet();

    private static readonly FrozenDictionary<Type, string> ManifestsByType = TypesByManifest.ToFrozenDictionary(p => p.Value, p => p.Key);

    private static readonly FrozenDictionary<string, Type>.AlternateLookup<ReadOnlySpan<char>> ManifestLookup = TypesByManifest.GetAlternateLookup<ReadOnlySpan<char>>();

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.General);

    /// <inheritdoc />
    public override int Identifier => 7301;

    /// <inheritdoc />
    public override string Manifest(object o) =>
        ManifestsByType.TryGetValue(o.GetType(), out var manifest)
            ? manifest
            : throw new ArgumentException($"{o.GetType().FullName} is not a stored type ({nameof(IStored)} with a [StoredAs] manifest): it cannot be persisted.", nameof(o));

    /// <inheritdoc />
    public override byte[] ToBinary(object obj)
    {
        if (!LargeTypes.Contains(obj.GetType()))
        {
            return JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), Options);
        }

        // Snapshots and checkpoints can be megabytes: written through a stream, not a buffer rented from the shared
        // array pool, which would keep a buffer of their size for every core long after they are stored.
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            JsonSerializer.Serialize(writer, obj, obj.GetType(), Options);
        }

        return stream.ToArray();
    }

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest) =>
        FromJson(bytes, TypesByManifest.TryGetValue(manifest, out var type) ? type : throw UnknownManifest(manifest));

    /// <summary>The stored type <paramref name="manifest"/> names, given as UTF-8 as a store keeps it (no string made for it).</summary>
    internal static Type StoredType(ReadOnlySpan<byte> manifest)
    {
        const int LongestOnTheStack = 128;
        Span<char> chars = stackalloc char[LongestOnTheStack];
        return manifest.Length <= LongestOnTheStack && ManifestLookup.TryGetValue(chars[..Encoding.UTF8.GetChars(manifest, chars)], out var type)
            ? type
            : throw UnknownManifest(Encoding.UTF8.GetString(manifest));
    }

    /// <summary>A stored value of <paramref name="type"/> (a <see cref="StoredType"/>) read from its JSON.</summary>
    internal static object FromJson(ReadOnlySpan<byte> json, Type type) =>
        JsonSerializer.Deserialize(json, type, Options) ?? throw new SerializationException($"Stored '{ManifestsByType[type]}' is empty.");

    private static SerializationException UnknownManifest(string manifest) => new($"Unknown manifest '{manifest}': this version of Actors cannot read it.");

    private static string ManifestOf(Type type) =>
        type.GetCustomAttribute<StoredAsAttribute>()?.Manifest
        ?? throw new InvalidOperationException($"{type.FullName} is stored ({nameof(IStored)}) but names no manifest: add [StoredAs(\"<capability>.<name>.v1\")].");
}
