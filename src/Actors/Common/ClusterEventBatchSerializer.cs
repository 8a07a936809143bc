using Akka.Actor;
using Akka.Serialization;

namespace Actors.Common;

/// <summary>
/// A <see cref="ClusterEventBatch"/> on the wire: each event through its own serializer (for task events,
/// the task queue's wire serializer), written as serializer id, manifest and bytes.
/// </summary>
public sealed class ClusterEventBatchSerializer : SerializerWithStringManifest
{
    private const string BatchManifest = "events.batch.v1";
    private readonly ExtendedActorSystem _system;

    /// <summary>Created by Akka's serialization, once per actor system.</summary>
    public ClusterEventBatchSerializer(ExtendedActorSystem system)
        : base(system) => _system = system;

    /// <inheritdoc />
    public override int Identifier => 7303;

    /// <inheritdoc />
    public override string Manifest(object o) =>
        o is ClusterEventBatch ? BatchManifest : throw new ArgumentException($"{o.GetType().FullName} is not an event batch.", nameof(o));

    /// <inheritdoc />
    public override byte[] ToBinary(object obj)
    {
        var batch = (ClusterEventBatch)obj;
        using var buffer = new MemoryStream();
        using var writer = new BinaryWriter(buffer);
        writer.Write(batch.Events.Count);
        foreach (var message in batch.Events)
        {
            var serializer = _system.Serialization.FindSerializerFor(message);
            writer.Write(serializer.Identifier);
            writer.Write(Akka.Serialization.Serialization.ManifestFor(serializer, message));
            var bytes = serializer.ToBinary(message);
            writer.Write(bytes.Length);
            writer.Write(bytes);
        }

        writer.Flush();
        return buffer.ToArray();
    }

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (manifest != BatchManifest)
        {
            throw new System.Runtime.Serialization.SerializationException($"Unknown manifest '{manifest}': this version of Actors cannot read it.");
        }

        using var reader = new BinaryReader(new MemoryStream(bytes));
        var events = new object[reader.ReadInt32()];
        for (var i = 0; i < events.Length; i++)
        {
            var serializerId = reader.ReadInt32();
            var eventManifest = reader.ReadString();
            var payload = reader.ReadBytes(reader.ReadInt32());
            events[i] = _system.Serialization.Deserialize(payload, serializerId, eventManifest);
        }

        return new ClusterEventBatch(events);
    }
}
