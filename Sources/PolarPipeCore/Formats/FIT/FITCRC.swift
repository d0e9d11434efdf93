/// The FIT CRC-16 (polynomial 0xA001, reflected, initial value 0), one table lookup per byte.
enum FITCRC {
    /// `tables[k][b]`: the CRC step of byte `b` followed by `k` zero bytes (slicing by four: four bytes a step).
    static let tables: [UInt16] = {
        var t = [UInt16](repeating: 0, count: 4 * 256)
        for byte in 0 ..< 256 {
            var crc = UInt16(byte)
            for _ in 0 ..< 8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xA001 : crc >> 1 }
            t[byte] = crc
        }
        for k in 1 ..< 4 {
            for byte in 0 ..< 256 {
                let previous = t[(k - 1) * 256 + byte]
                t[k * 256 + byte] = (previous >> 8) ^ t[Int(previous & 0xFF)]
            }
        }
        return t
    }()

    /// The CRC of `bytes[range]`; `range` must lie inside `bytes`.
    static func checksum(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UInt16 {
        var crc: UInt16 = 0
        tables.withUnsafeBufferPointer { t in
            var i = range.lowerBound
            while range.upperBound - i >= 4 {
                let x = crc ^ (UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8)
                crc = t[3 * 256 + Int(x & 0xFF)] ^ t[2 * 256 + Int(x >> 8)] ^ t[256 + Int(bytes[i + 2])] ^ t[Int(bytes[i + 3])]
                i += 4
            }
            while i < range.upperBound {
                crc = (crc >> 8) ^ t[Int(UInt8(truncatingIfNeeded: crc) ^ bytes[i])]
                i += 1
            }
        }
        return crc
    }

    static func checksum(_ bytes: [UInt8]) -> UInt16 {
        bytes.withUnsafeBufferPointer { checksum($0, 0 ..< $0.count) }
    }
}

/// A FIT file header: 12 or 14 bytes, `.FIT` at bytes 8–11, the size of the data that follows at bytes 4–7.
struct FITHeader {
    var size: Int
    /// The data size the header announces (0 from devices that never filled it in).
    var dataSize: Int
    /// The header's own CRC (14-byte headers; 0 = not computed), checked over bytes 0–11.
    var crcMatches: Bool

    /// Whether the bytes at `at` begin a 14-byte header that the end of the file cuts short.
    static func isCut(_ b: UnsafeBufferPointer<UInt8>, at: Int) -> Bool {
        guard at >= 0, b.count - at >= 12, b[at] == 14, b.count - at < 14 else { return false }
        return b[at + 8] == 0x2E && b[at + 9] == 0x46 && b[at + 10] == 0x49 && b[at + 11] == 0x54
    }

    /// The header at `at`, or nil when the bytes there are none.
    init?(_ b: UnsafeBufferPointer<UInt8>, at: Int) {
        guard at >= 0, b.count - at >= 12 else { return nil }
        let size = Int(b[at])
        guard size == 12 || size == 14, b.count - at >= size,
              b[at + 8] == 0x2E, b[at + 9] == 0x46, b[at + 10] == 0x49, b[at + 11] == 0x54 else { return nil }
        self.size = size
        dataSize = Int(b[at + 4]) | Int(b[at + 5]) << 8 | Int(b[at + 6]) << 16 | Int(b[at + 7]) << 24
        if size == 14 {
            let stored = UInt16(b[at + 12]) | UInt16(b[at + 13]) << 8
            crcMatches = stored == 0 || stored == FITCRC.checksum(b, at ..< at + 12)
        } else {
            crcMatches = true
        }
    }
}
