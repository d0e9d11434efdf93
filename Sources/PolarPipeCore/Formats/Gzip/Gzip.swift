import Foundation
import ZIPFoundation

/// Reads gzip files (RFC 1952) in memory, as Strava's bulk export packs each activity (`12345.gpx.gz`): the header,
/// the raw deflate stream (inflated by ZIPFoundation's zlib binding), then the CRC-32 and size trailer, which must
/// match. Bounded like zip entries: the inflated bytes may not exceed `limits.maxFileBytes` (one training file) nor
/// `limits.maxZipRatio` times the compressed size once past 1 MiB; inflating stops at the first output chunk (the
/// compressed size) beyond either.
enum Gzip {
    /// Why a gzip file was refused: `code` is the quarantine reason (`gzip-invalid`, `zip-bomb`, `too-large`).
    struct Failure: Error, Equatable {
        var code: String
        var message: String
    }

    static func hasMagic(_ bytes: [UInt8]) -> Bool { bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B }

    /// The inflated content of the first gzip member of `bytes`.
    static func inflate(_ bytes: [UInt8], limits: InputLimits) throws(Failure) -> [UInt8] {
        let start = try deflateStart(bytes)
        guard bytes.count >= start + 8 else { throw Failure(code: "gzip-invalid", message: "the gzip file ends before its data") }
        let ratioLimit = Double(bytes.count) * limits.maxZipRatio
        var output: [UInt8] = []
        var overLimit: Failure?
        var given = false
        let crc: CRC32
        do {
            // ZIPFoundation's zlib loop takes every chunk to be `bufferSize` bytes long, so the whole deflate data is
            // given as one chunk of exactly that size; a second request means the stream did not end: truncated.
            crc = try Data.decompress(size: Int64(bytes.count - start), bufferSize: bytes.count - start, skipCRC32: false, provider: { _, _ in
                guard !given else { throw Failure(code: "gzip-invalid", message: "the deflate data is truncated") }
                given = true
                return Data(bytes[start...])
            }, consumer: { data in
                output.append(contentsOf: data)
                if output.count > limits.maxFileBytes {
                    overLimit = Failure(code: "too-large", message: "the gzip file inflates to more than \(limits.maxFileBytes) bytes")
                } else if output.count > 1 << 20, Double(output.count) > ratioLimit {
                    overLimit = Failure(code: "zip-bomb", message: "compression ratio exceeds \(Int(limits.maxZipRatio)):1")
                }
                if let overLimit { throw overLimit }
            })
        } catch let failure as Failure {
            throw failure
        } catch {
            throw overLimit ?? Failure(code: "gzip-invalid", message: "the deflate data is corrupt")
        }
        let trailer = trailerValues(bytes)
        guard trailer.crc == crc, trailer.size == UInt32(truncatingIfNeeded: output.count) else {
            throw Failure(code: "gzip-invalid", message: "the CRC-32 or the size in the gzip trailer does not match the data")
        }
        return output
    }

    /// The offset of the deflate data: after the 10-byte header and the optional extra field, name, comment and
    /// header CRC that the flags announce.
    private static func deflateStart(_ b: [UInt8]) throws(Failure) -> Int {
        guard b.count >= 18, hasMagic(b), b[2] == 8 else {
            throw Failure(code: "gzip-invalid", message: "not a deflate-compressed gzip file")
        }
        let flags = b[3]
        var i = 10
        if flags & 0x04 != 0 {  // FEXTRA: a two-byte length, then that many bytes
            guard i + 2 <= b.count else { throw Failure(code: "gzip-invalid", message: "truncated gzip header") }
            i += 2 + Int(b[i]) + Int(b[i + 1]) << 8
        }
        for flag: UInt8 in [0x08, 0x10] where flags & flag != 0 {  // FNAME, FCOMMENT: zero-terminated
            while i < b.count, b[i] != 0 { i += 1 }
            i += 1
        }
        if flags & 0x02 != 0 { i += 2 }  // FHCRC
        guard i < b.count else { throw Failure(code: "gzip-invalid", message: "truncated gzip header") }
        return i
    }

    /// CRC-32 and size modulo 2³² from the last eight bytes (little-endian).
    private static func trailerValues(_ b: [UInt8]) -> (crc: UInt32, size: UInt32) {
        func word(_ at: Int) -> UInt32 {
            UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
        }
        return (word(b.count - 8), word(b.count - 4))
    }
}
