using System.Buffers;
using Actors.Durability;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Actors.Tasks;

internal sealed partial class SqliteTaskStore
{
    /// <summary>
    /// Every stored row, in the order written, in chunks not yet decoded (<see cref="RowChunk.Decode"/>, thread-safe: recovery
    /// decodes chunks in parallel). Read with SQLite's statement calls: Microsoft.Data.Sqlite's reader makes a string and an
    /// array for every row, and took several times as long as SQLite itself to read 100,000 of them.
    /// </summary>
    public IEnumerable<RowChunk> ReadAll()
    {
        var database = _connection.Handle!;
        SqliteException.ThrowExceptionForRC(raw.sqlite3_prepare_v2(database, "SELECT sequence_nr, manifest, payload FROM task_entries ORDER BY sequence_nr", out var statement), database);
        using (statement)
        {
            var chunk = new RowChunk();
            int result;
            while ((result = raw.sqlite3_step(statement)) == raw.SQLITE_ROW)
            {
                if (!chunk.HasRoomFor(raw.sqlite3_column_bytes(statement, 2)))
                {
                    yield return chunk;
                    chunk = new RowChunk();
                }

                chunk.Add(raw.sqlite3_column_int64(statement, 0), ActorsJsonSerializer.StoredType(raw.sqlite3_column_blob(statement, 1)), raw.sqlite3_column_blob(statement, 2));
            }

            if (result != raw.SQLITE_DONE)
            {
                SqliteException.ThrowExceptionForRC(result, database);
            }

            if (chunk.Count > 0)
            {
                yield return chunk;
            }
        }
    }

    /// <summary>Stored rows read together, not yet decoded: their payloads side by side in one buffer from the shared pool.</summary>
    internal sealed class RowChunk
    {
        /// <summary>Under the large object heap's threshold: a chunk's buffers, and the chunk, die young.</summary>
        private const int Bytes = 64 * 1024;

        private const int Rows = 512;

        private readonly long[] _sequenceNrs = new long[Rows];
        private readonly Type[] _types = new Type[Rows];
        private readonly int[] _ends = new int[Rows];
        private byte[] _payloads = ArrayPool<byte>.Shared.Rent(Bytes);

        /// <summary>How many rows it holds.</summary>
        public int Count { get; private set; }

        private int Used => Count == 0 ? 0 : _ends[Count - 1];

        /// <summary>Whether a row of <paramref name="payloadLength"/> bytes fits (an empty chunk takes any row).</summary>
        public bool HasRoomFor(int payloadLength) => Count == 0 || (Count < Rows && Used + payloadLength <= _payloads.Length);

        /// <summary>Copies a row in (<see cref="HasRoomFor"/> first).</summary>
        public void Add(long sequenceNr, Type type, ReadOnlySpan<byte> payload)
        {
            if (payload.Length > _payloads.Length)
            {
                // A row larger than a chunk has one to itself.
                ArrayPool<byte>.Shared.Return(_payloads);
                _payloads = ArrayPool<byte>.Shared.Rent(payload.Length);
            }

            var start = Used;
            payload.CopyTo(_payloads.AsSpan(start));
            _sequenceNrs[Count] = sequenceNr;
            _types[Count] = type;
            _ends[Count] = start + payload.Length;
            Count++;
        }

        /// <summary>The entries, in order; the buffer goes back to the pool.</summary>
        public (long SequenceNr, IStored Entry)[] Decode()
        {
            var entries = new (long, IStored)[Count];
            for (int i = 0, start = 0; i < Count; start = _ends[i], i++)
            {
                entries[i] = (_sequenceNrs[i], (IStored)ActorsJsonSerializer.FromJson(_payloads.AsSpan(start, _ends[i] - start), _types[i]));
            }

            ArrayPool<byte>.Shared.Return(_payloads);
            _payloads = [];
            return entries;
        }
    }
}
