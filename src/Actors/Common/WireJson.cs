using System.Runtime.Serialization;
using System.Text.Json;
using Akka.Actor;

namespace Actors.Common;

/// <summary>What the capabilities' wire serializers share: their JSON settings, and actor references as paths.</summary>
internal static class WireJson
{
    /// <summary>The wire's JSON settings (property names as declared, so every version reads every other).</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.General);

    public static byte[] Write<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Json);

    public static T Read<T>(byte[] bytes) => JsonSerializer.Deserialize<T>(bytes, Json) ?? throw new SerializationException($"A {typeof(T).Name} is empty.");

    /// <summary>An actor's path with its node's address and uid, which any node resolves to it.</summary>
    public static string Path(IActorRef actor) => Akka.Serialization.Serialization.SerializedActorPath(actor);
}
