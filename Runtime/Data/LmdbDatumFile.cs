using System.Text;
using Engine.Proto;
using Google.Protobuf;
using LightningDB;

namespace Engine.Data;

/// <summary>
/// Reads a Caffe LMDB database (the directory holding <c>data.mdb</c>) of serialized <see cref="Datum"/> records into a
/// <see cref="DataSet"/>, in key order as Caffe's cursor visits them. Pixels come from <c>data</c> (uint8, C×H×W) or,
/// when that is empty, <c>float_data</c>; the set keeps bytes unless some record holds floats.
/// </summary>
public static class LmdbDatumFile
{
    /// <summary>The file LMDB keeps its data in, inside the database directory.</summary>
    public const string DataFileName = "data.mdb";

    /// <summary>True when <paramref name="path"/> is a directory holding an LMDB data file.</summary>
    public static bool IsDatabase(string path) => Directory.Exists(path) && File.Exists(Path.Combine(path, DataFileName));

    /// <summary>Reads every record of the database at <paramref name="path"/>.</summary>
    /// <exception cref="DataSourceException">The database is missing, unreadable, empty, holds encoded images, or records
    /// disagree in shape (the message names the path and the key).</exception>
    public static DataSet Read(string path)
    {
        if (!IsDatabase(path))
        {
            throw new DataSourceException($"LMDB database '{path}' not found: expected a directory holding {DataFileName}.");
        }
        List<(string Key, Datum Datum)> records;
        try
        {
            records = ReadRecords(path);
        }
        catch (LightningException e)
        {
            throw new DataSourceException($"LMDB database '{path}' cannot be read: {e.Message}", e);
        }
        catch (DllNotFoundException e)
        {
            throw new DataSourceException(
                $"LMDB database '{path}': the native LMDB library could not be loaded ({e.Message}); on Debian/Ubuntu run apt-get install liblmdb0.", e);
        }
        return ToDataSet(path, records);
    }

    private static List<(string Key, Datum Datum)> ReadRecords(string path)
    {
        LmdbNativeLibrary.EnsureResolver();
        var records = new List<(string, Datum)>();
        // No map size needed: LMDB widens the map to the data file's size on open. NoLock lets databases on read-only
        // media, or with a lock file owned by another user, be read.
        using var env = new LightningEnvironment(path);
        env.Open(EnvironmentOpenFlags.ReadOnly | EnvironmentOpenFlags.NoLock);
        using LightningTransaction tx = env.BeginTransaction(TransactionBeginFlags.ReadOnly);
        using LightningDatabase db = tx.OpenDatabase();
        using LightningCursor cursor = tx.CreateCursor(db);
        (MDBResultCode rc, MDBValue key, MDBValue value) = cursor.First();
        while (rc == MDBResultCode.Success)
        {
            string name = KeyText(key.AsSpan());
            Datum datum;
            try
            {
                datum = Datum.Parser.ParseFrom(value.AsSpan());
            }
            catch (InvalidProtocolBufferException e)
            {
                throw new DataSourceException($"LMDB database '{path}', key '{name}': not a serialized Datum ({e.Message}).", e);
            }
            records.Add((name, datum));
            (rc, key, value) = cursor.Next();
        }
        if (rc != MDBResultCode.NotFound)
        {
            throw new DataSourceException($"LMDB database '{path}': cursor failed with {rc}.");
        }
        return records;
    }

    private static DataSet ToDataSet(string path, List<(string Key, Datum Datum)> records)
    {
        if (records.Count == 0)
        {
            throw new DataSourceException($"LMDB database '{path}' holds no records.");
        }
        Datum first = records[0].Datum;
        int c = first.Channels, h = first.Height, w = first.Width;
        long size = (long)c * h * w;
        if (c <= 0 || h <= 0 || w <= 0)
        {
            throw new DataSourceException($"LMDB database '{path}', key '{records[0].Key}': Datum shape {c}x{h}x{w} is not positive.");
        }
        if (size * records.Count > Array.MaxLength)
        {
            throw new DataSourceException($"LMDB database '{path}': {records.Count} records of {c}x{h}x{w} do not fit in memory as one array.");
        }
        bool floats = false;
        foreach ((string key, Datum d) in records)
        {
            if (d.Encoded)
            {
                throw new DataSourceException(
                    $"LMDB database '{path}', key '{key}': encoded images (Datum.encoded: true) are not supported yet; convert the database with raw pixels (convert_imageset without --encoded).");
            }
            if (d.Channels != c || d.Height != h || d.Width != w)
            {
                throw new DataSourceException(
                    $"LMDB database '{path}', key '{key}': Datum shape {d.Channels}x{d.Height}x{d.Width} differs from {c}x{h}x{w} of the first key '{records[0].Key}'.");
            }
            long n = d.Data.Length > 0 ? d.Data.Length : d.FloatData.Count;
            if (n != size)
            {
                string field = d.Data.Length > 0 ? "data" : "float_data";
                throw new DataSourceException(
                    $"LMDB database '{path}', key '{key}': {field} holds {n} values but the Datum shape {c}x{h}x{w} needs {size}.");
            }
            floats |= d.Data.Length == 0;
        }
        var labels = new float[records.Count];
        int sample = (int)size;
        if (!floats)
        {
            var bytes = new byte[sample * records.Count];
            for (int i = 0; i < records.Count; i++)
            {
                records[i].Datum.Data.Span.CopyTo(bytes.AsSpan(i * sample, sample));
                labels[i] = records[i].Datum.Label;
            }
            return new DataSet(bytes, records.Count, c, h, w, labels, path);
        }
        var values = new float[sample * records.Count];
        for (int i = 0; i < records.Count; i++)
        {
            Datum d = records[i].Datum;
            Span<float> dst = values.AsSpan(i * sample, sample);
            if (d.Data.Length > 0)
            {
                ReadOnlySpan<byte> src = d.Data.Span;
                for (int k = 0; k < sample; k++)
                {
                    dst[k] = src[k];
                }
            }
            else
            {
                for (int k = 0; k < sample; k++)
                {
                    dst[k] = d.FloatData[k];
                }
            }
            labels[i] = d.Label;
        }
        return new DataSet(values, records.Count, c, h, w, labels, path);
    }

    /// <summary>Keys are usually ASCII (Caffe writes zero-padded indices); anything else is shown as hex.</summary>
    private static string KeyText(ReadOnlySpan<byte> key)
    {
        foreach (byte b in key)
        {
            if (b < 0x20 || b > 0x7E)
            {
                return "0x" + Convert.ToHexString(key);
            }
        }
        return Encoding.ASCII.GetString(key);
    }
}
