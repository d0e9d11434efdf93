import Foundation
import ZIPFoundation

/// Writes gzip files (RFC 1952) as `gzip` and Strava's bulk export do: a 10-byte header with the original file name,
/// the raw deflate stream (ZIPFoundation's zlib binding), the CRC-32 and the size.
public enum GzipWriter {
    public static func gzip(_ bytes: [UInt8], name: String = "activity") throws -> [UInt8] {
        let data = Data(bytes)
        var out: [UInt8] = [0x1F, 0x8B, 8, 0x08, 0, 0, 0, 0, 0, 3]
        out += Array(name.utf8) + [0]
        var deflated = Data()
        _ = try Data.compress(size: Int64(data.count), bufferSize: 64 << 10, provider: { position, size in
            data.subdata(in: Int(position) ..< Int(position) + size)
        }, consumer: { deflated.append($0) })
        out += [UInt8](deflated)
        for word in [data.crc32(checksum: 0), UInt32(truncatingIfNeeded: data.count)] {
            out += [UInt8(word & 0xFF), UInt8(word >> 8 & 0xFF), UInt8(word >> 16 & 0xFF), UInt8(word >> 24)]
        }
        return out
    }
}
