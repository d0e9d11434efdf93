import Crypto
import Foundation
import ZIPFoundation

/// Polar export zips (`polar-user-data-export_*.zip`, any `.zip` in a user folder), read entry by entry without
/// extracting the archive to disk. Training-session entries are decoded like files (one `ingested_files` row
/// each, path `<zip>#<entry>`); other entries (activity, sleep, account, …) are skipped, not errors.
///
/// Before any entry is read the whole archive is checked: no entry path may escape (`..`, absolute), the total
/// uncompressed size is at most `limits.max_zip_bytes` and the compression ratio at most 200:1; otherwise the
/// whole zip is quarantined.
enum ZipIngest {
    enum Refusal: Error { case refused(Diagnostic) }
    struct TooLarge: Error {}

    static func isZip(_ url: URL) -> Bool {
        if url.pathExtension.lowercased() == "zip" { return true }
        guard let handle = try? FileHandle(forReadingFrom: url) else { return false }
        defer { try? handle.close() }
        return hasZipMagic((try? handle.read(upToCount: 4)) ?? Data())
    }

    /// Whether `data` starts like a zip archive (a local file header).
    static func hasZipMagic(_ data: some Collection<UInt8>) -> Bool {
        data.starts(with: [0x50, 0x4B, 0x03, 0x04])
    }

    /// SHA-256 of a file read in 1 MiB chunks.
    static func sha256(of url: URL) throws -> String {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return Hex.string(hasher.finalize())
    }

    /// The archive's safety check; returns the refusal or nil.
    static func check(_ archive: Archive, limits: InputLimits) -> Diagnostic? {
        var uncompressed: UInt64 = 0
        var compressed: UInt64 = 0
        for entry in archive {
            let path = entry.path
            let parts = path.split(separator: "/", omittingEmptySubsequences: false)
            if path.hasPrefix("/") || path.hasPrefix("\\") || path.contains("\\") || parts.contains("..") || path.contains("\0") {
                return .error("zip-path-traversal", path: path, "an entry path escapes the archive")
            }
            if entry.type == .symlink {
                return .error("zip-symlink", path: path, "the archive contains a symbolic link")
            }
            uncompressed += entry.uncompressedSize
            compressed += entry.compressedSize
            if uncompressed > limits.maxZipBytes {
                return .error("zip-too-large", "the archive expands to more than \(limits.maxZipBytes) bytes")
            }
        }
        if uncompressed > 1 << 20, Double(uncompressed) > Double(max(compressed, 1)) * limits.maxZipRatio {
            return .error("zip-bomb", "compression ratio \(uncompressed / max(compressed, 1)):1 exceeds \(Int(limits.maxZipRatio)):1")
        }
        return nil
    }

    /// A training-session entry, by its file name.
    static func isTrainingSession(_ path: String) -> Bool {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return name.hasPrefix("training-session") && name.lowercased().hasSuffix(".json")
    }

    /// The bytes of one entry, refusing to read more than `limit`.
    static func read(_ entry: Entry, from archive: Archive, limit: Int) throws -> [UInt8] {
        guard entry.uncompressedSize <= UInt64(limit) else { throw TooLarge() }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(entry.uncompressedSize))
        _ = try archive.extract(entry) { chunk in
            if bytes.count + chunk.count > limit { throw TooLarge() }
            bytes.append(contentsOf: chunk)
        }
        return bytes
    }
}
