using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace GuestAssist.Host.DirtyLog.Files;

/// <summary>
/// A dirty log on disk in KVM's layout (what KVM_GET_DIRTY_LOG returns, one bit per page, little-endian u64 words),
/// with the interval it covers. Layout, all integers little-endian:
/// <code>
///   offset 0   8 bytes  magic "GADIRTY1"
///   offset 8   u32      page size in bytes (4096, or 2 MiB for a hugetlbfs guest)
///   offset 12  u32      0 (reserved)
///   offset 16  u64      first GFN: bit 0 of word 0 (a memslot's base GFN; 0 for the whole guest)
///   offset 24  u64      frames covered (bits that count; the last word is zero-padded)
///   offset 32  u64      tracking started: host CLOCK_MONOTONIC ns when logging began for every covered frame
///                       (dirty logging enabled, or the last KVM_CLEAR_DIRTY_LOG / bitmap fetch before the map request)
///   offset 40  u64      sealed: host CLOCK_MONOTONIC ns of the last fetch, taken with the vCPUs paused (switchover)
///   offset 48  16 bytes 0 (reserved)
///   offset 64  u64[ceil(frames / 64)]  bit i % 64 of word i / 64 set: GFN first + i was written
/// </code>
/// Several memslots are several files merged into one log. The times are what lets the planner prove the log covers
/// the map's request to switchover (DESIGN.md invariant 1); a log whose interval does not is refused for skipping.
/// </summary>
public static class DirtyBitmapFile
{
    public const int HeaderBytes = 64;

    public static ReadOnlySpan<byte> Magic => "GADIRTY1"u8;

    /// <summary>True when the file starts with the bitmap magic (the other supported dirty log is a diff snapshot).</summary>
    public static bool HasMagic(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[8];
        return stream.ReadAtLeast(magic, 8, throwOnEndOfStream: false) == 8 && magic.SequenceEqual(Magic);
    }

    public static void Write(string path, DirtyLogFileHeader header, ReadOnlySpan<ulong> words)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(header);
        var expectedWords = (header.Frames + 63) / 64;
        if ((ulong)words.Length != expectedWords)
        {
            throw new ArgumentException($"{header.Frames} frames take {expectedWords} words, got {words.Length}", nameof(words));
        }
        using var stream = File.Create(path);
        Span<byte> bytes = stackalloc byte[HeaderBytes];
        bytes.Clear();
        Magic.CopyTo(bytes);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[8..], header.PageSize);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[16..], header.FirstGfn);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[24..], header.Frames);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[32..], header.TrackingStartedAtNs);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[40..], header.SealedAtNs);
        stream.Write(bytes);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("dirty bitmap files are written on little-endian hosts");
        }
        stream.Write(MemoryMarshal.AsBytes(words));
    }

    /// <summary>
    /// Reads a bitmap file into a sealed <see cref="DirtyBitmap"/> over GFN 0 .. <paramref name="totalFrames"/> (the guest's
    /// frames), checking the header against the guest's page size. Bad input is a <see cref="DirtyLogFileException"/>.
    /// </summary>
    public static DirtyBitmap Read(string path, ulong totalFrames, uint pageSize)
    {
        ArgumentNullException.ThrowIfNull(path);
        var name = Path.GetFileName(path);
        try
        {
            using var stream = File.OpenRead(path);
            Span<byte> bytes = stackalloc byte[HeaderBytes];
            if (stream.ReadAtLeast(bytes, HeaderBytes, throwOnEndOfStream: false) != HeaderBytes || !bytes[..8].SequenceEqual(Magic))
            {
                throw new DirtyLogFileException($"dirty bitmap {name}: no GADIRTY1 header");
            }
            var header = new DirtyLogFileHeader(
                PageSize: BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]),
                FirstGfn: BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..]),
                Frames: BinaryPrimitives.ReadUInt64LittleEndian(bytes[24..]),
                TrackingStartedAtNs: BinaryPrimitives.ReadUInt64LittleEndian(bytes[32..]),
                SealedAtNs: BinaryPrimitives.ReadUInt64LittleEndian(bytes[40..]));
            if (header.PageSize != pageSize)
            {
                throw new DirtyLogFileException($"dirty bitmap {name}: {header.PageSize}-byte pages, the guest has {pageSize}-byte pages");
            }
            if (header.FirstGfn > totalFrames || header.Frames > totalFrames - header.FirstGfn)
            {
                throw new DirtyLogFileException($"dirty bitmap {name}: GFN {header.FirstGfn} + {header.Frames} frames is beyond the guest's {totalFrames} frames");
            }
            if (header.TrackingStartedAtNs == 0 || header.SealedAtNs < header.TrackingStartedAtNs)
            {
                throw new DirtyLogFileException($"dirty bitmap {name}: interval {header.TrackingStartedAtNs} .. {header.SealedAtNs} ns is not a tracking interval");
            }
            var words = new ulong[(header.Frames + 63) / 64];
            var wordBytes = MemoryMarshal.AsBytes(words.AsSpan());
            if (stream.Length - HeaderBytes != wordBytes.Length)
            {
                throw new DirtyLogFileException($"dirty bitmap {name}: {stream.Length - HeaderBytes} bytes of bitmap for {header.Frames} frames ({wordBytes.Length} expected)");
            }
            stream.ReadExactly(wordBytes);
            var log = new DirtyBitmap(totalFrames, HostClock.FromMonotonicNs(header.TrackingStartedAtNs));
            try
            {
                log.Merge(words, header.FirstGfn);
            }
            catch (ArgumentOutOfRangeException e)
            {
                throw new DirtyLogFileException($"dirty bitmap {name}: {e.Message}", e);
            }
            log.Seal(Math.Max(HostClock.FromMonotonicNs(header.SealedAtNs), log.TrackingStartedAt + 1));
            return log;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && e is not DirtyLogFileException)
        {
            throw new DirtyLogFileException($"dirty bitmap {path}: {e.Message}", e);
        }
    }
}
