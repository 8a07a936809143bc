namespace Actors.Durability;

/// <summary>
/// A type this library writes to a journal or snapshot store. Each such type names itself with
/// <see cref="StoredAsAttribute"/>, beside its capability's other types; <see cref="ActorsJsonSerializer"/>
/// reads back nothing else.
/// </summary>
public interface IStored;

/// <summary>The stable, versioned name (manifest) a stored type is written under, for example <c>task.accepted.v1</c>.</summary>
/// <param name="manifest">Never reused for another shape: a new shape gets a new version.</param>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
internal sealed class StoredAsAttribute(string manifest) : Attribute
{
    /// <summary>The name it is stored under.</summary>
    public string Manifest { get; } = manifest;

    /// <summary>It can be megabytes (a snapshot or checkpoint): written through a stream, not a pooled buffer.</summary>
    public bool Large { get; init; }
}
