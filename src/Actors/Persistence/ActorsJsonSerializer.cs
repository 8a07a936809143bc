using System.Collections.Frozen;
using System.Runtime.Serialization;
using System.Text.Json;
using Actors.Tasks;
using Akka.Actor;
using Akka.Serialization;

namespace Actors.Persistence;

/// <summary>
/// Writes the library's persisted types as JSON (System.Text.Json), each under a stable versioned
/// manifest such as <c>task.accepted.v1</c>. Reading maps the manifest to a registered type, so no type
/// name from stored data ever picks what is deserialized; an unknown manifest is an error.
/// </summary>
public sealed class ActorsJsonSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    private static readonly FrozenDictionary<string, Type> TypesByManifest = new Dictionary<string, Type>(StringComparer.Ordinal)
    {
        ["task.accepted.v1"] = typeof(TaskAcceptedV1),
        ["task.started.v1"] = typeof(TaskStartedV1),
        ["task.completed.v1"] = typeof(TaskCompletedV1),
        ["task.failed.v1"] = typeof(TaskFailedV1),
        ["task.cancelled.v1"] = typeof(TaskCancelledV1),
        ["task.snapshot.v1"] = typeof(TaskJournalSnapshotV1),
        ["thunks.checkpoint.v1"] = typeof(Actors.Thunks.ThunkCheckpointV1),
        ["thunks.checkpoint.v2"] = typeof(Actors.Thunks.ThunkCheckpointV2),
        ["jobs.checkpoint.v1"] = typeof(Actors.Jobs.JobsCheckpointV1),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<Type, string> ManifestsByType = TypesByManifest.ToFrozenDictionary(p => p.Value, p => p.Key);

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.General);

    /// <inheritdoc />
    public override int Identifier => 7301;

    /// <inheritdoc />
    public override string Manifest(object o) =>
        ManifestsByType.TryGetValue(o.GetType(), out var manifest)
            ? manifest
            : throw new ArgumentException($"{o.GetType().FullName} is not registered in {nameof(ActorsJsonSerializer)}: give it a versioned manifest before persisting it.", nameof(o));

    /// <inheritdoc />
    public override byte[] ToBinary(object obj)
    {
        if (obj is not (TaskJournalSnapshotV1 or Actors.Thunks.ThunkCheckpointV2 or Actors.Jobs.JobsCheckpointV1))
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
        TypesByManifest.TryGetValue(manifest, out var type)
            ? JsonSerializer.Deserialize(bytes, type, Options) ?? throw new SerializationException($"Stored '{manifest}' is empty.")
            : throw new SerializationException($"Unknown manifest '{manifest}': this version of Actors cannot read it.");
}
