namespace Actors.Persistence;

/// <summary>
/// A type this library writes to a journal or snapshot store. Every such type is registered in
/// <see cref="ActorsJsonSerializer"/> under a stable, versioned name; nothing else is ever read back.
/// </summary>
public interface IPersisted;
