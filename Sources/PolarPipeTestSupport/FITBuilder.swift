import PolarPipeCore

/// Writes FIT files message by message, for the generator and for tests that need a file with one particular
/// quirk (big-endian definitions, compressed timestamps, developer fields, short fields, a wrong header size).
public struct FITBuilder {
    /// One field definition: number, size in bytes, base type byte (`0x86` = uint32, …).
    public struct Field: Sendable {
        public var number: UInt8
        public var size: UInt8
        public var baseType: UInt8
        public init(_ number: UInt8, size: UInt8, baseType: UInt8) {
            self.number = number
            self.size = size
            self.baseType = baseType
        }
        public static func enumeration(_ n: UInt8) -> Field { Field(n, size: 1, baseType: 0x00) }
        public static func uint8(_ n: UInt8) -> Field { Field(n, size: 1, baseType: 0x02) }
        public static func sint8(_ n: UInt8) -> Field { Field(n, size: 1, baseType: 0x01) }
        public static func uint16(_ n: UInt8) -> Field { Field(n, size: 2, baseType: 0x84) }
        public static func uint32(_ n: UInt8) -> Field { Field(n, size: 4, baseType: 0x86) }
        public static func uint32z(_ n: UInt8) -> Field { Field(n, size: 4, baseType: 0x8C) }
        public static func sint32(_ n: UInt8) -> Field { Field(n, size: 4, baseType: 0x85) }
        public static func string(_ n: UInt8, size: UInt8) -> Field { Field(n, size: size, baseType: 0x07) }
        public static func bytes(_ n: UInt8, size: UInt8) -> Field { Field(n, size: size, baseType: 0x0D) }
    }

    /// The data records written so far (everything after the header, before the CRC).
    public private(set) var data: [UInt8] = []
    private var layouts: [UInt8: (fields: [Field], developerBytes: Int, bigEndian: Bool)] = [:]

    public init() {}

    /// A definition message for local type `local` (0–15).
    public mutating func define(local: UInt8, global: UInt16, _ fields: [Field], bigEndian: Bool = false,
                                developer: [(number: UInt8, size: UInt8, index: UInt8)] = []) {
        data.append(0x40 | (developer.isEmpty ? 0 : 0x20) | (local & 0x0F))
        data.append(0)
        data.append(bigEndian ? 1 : 0)
        let g = [UInt8(truncatingIfNeeded: global), UInt8(truncatingIfNeeded: global >> 8)]
        data += bigEndian ? g.reversed() : g
        data.append(UInt8(truncatingIfNeeded: fields.count))
        for f in fields { data += [f.number, f.size, f.baseType] }
        if !developer.isEmpty {
            data.append(UInt8(truncatingIfNeeded: developer.count))
            for d in developer { data += [d.number, d.size, d.index] }
        }
        layouts[local & 0x0F] = (fields, developer.reduce(0) { $0 + Int($1.size) }, bigEndian)
    }

    /// A data message of local type `local`: one value per field (nil = the type's invalid value), then the
    /// developer fields' bytes (zeros when not given). Values are written in the definition's byte order at the
    /// field's size; text fields take `texts[field number]`.
    public mutating func message(local: UInt8, _ values: [UInt64?], texts: [UInt8: String] = [:], developerBytes: [UInt8]? = nil) {
        data.append(local & 0x0F)
        body(local: local, values, texts: texts, developerBytes: developerBytes)
    }

    /// A data message with a compressed-timestamp header: local type 0–3, the timestamp's low five bits.
    public mutating func compressedMessage(local: UInt8, timeOffset: UInt8, _ values: [UInt64?]) {
        data.append(0x80 | (local & 0x03) << 5 | (timeOffset & 0x1F))
        body(local: local, values, texts: [:], developerBytes: nil)
    }

    private mutating func body(local: UInt8, _ values: [UInt64?], texts: [UInt8: String], developerBytes: [UInt8]?) {
        guard let layout = layouts[local & 0x0F] else { return }
        for (i, f) in layout.fields.enumerated() {
            let size = Int(f.size)
            if let text = texts[f.number] {
                let utf8 = Array(text.utf8.prefix(size - 1))
                data += utf8 + [UInt8](repeating: 0, count: size - utf8.count)
                continue
            }
            let value = i < values.count ? values[i] ?? Self.invalid(f) : Self.invalid(f)
            var bytes = (0 ..< size).map { UInt8(truncatingIfNeeded: $0 < 8 ? value >> UInt64($0 * 8) : 0) }
            if layout.bigEndian { bytes.reverse() }
            data += bytes
        }
        let developer = developerBytes ?? [UInt8](repeating: 0, count: layout.developerBytes)
        data += developer.prefix(layout.developerBytes)
        if developer.count < layout.developerBytes { data += [UInt8](repeating: 0, count: layout.developerBytes - developer.count) }
    }

    /// The invalid value of a field's base type at its size.
    static func invalid(_ f: Field) -> UInt64 {
        let bits = min(Int(f.size), 8) * 8
        let allOnes: UInt64 = bits >= 64 ? .max : (1 << UInt64(bits)) - 1
        switch f.baseType & 0x1F {
        case 1, 3, 5, 14: return allOnes >> 1
        case 7, 10, 11, 12, 16: return 0
        default: return allOnes
        }
    }

    /// The file: a header (`headerSize` 12 or 14; `dataSize` overrides the true size), the data, the CRC.
    public func file(headerSize: Int = 14, dataSize: Int? = nil, protocolVersion: UInt8 = 0x20, profile: UInt16 = 2132) -> [UInt8] {
        let size = UInt32(truncatingIfNeeded: dataSize ?? data.count)
        var header: [UInt8] = [UInt8(truncatingIfNeeded: headerSize), protocolVersion,
                               UInt8(truncatingIfNeeded: profile), UInt8(truncatingIfNeeded: profile >> 8)]
        header += (0 ..< 4).map { UInt8(truncatingIfNeeded: size >> UInt32($0 * 8)) }
        header += Array(".FIT".utf8)
        if headerSize == 14 {
            let crc = Self.crc(header)
            header += [UInt8(truncatingIfNeeded: crc), UInt8(truncatingIfNeeded: crc >> 8)]
        }
        let body = header + data
        let crc = Self.crc(body)
        return body + [UInt8(truncatingIfNeeded: crc), UInt8(truncatingIfNeeded: crc >> 8)]
    }

    /// The FIT CRC-16, bit by bit (independent of the decoder's table).
    public static func crc(_ bytes: [UInt8]) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc ^= UInt16(byte)
            for _ in 0 ..< 8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xA001 : crc >> 1 }
        }
        return crc
    }

    /// FIT time (seconds since 1989-12-31T00:00:00Z) of Unix seconds.
    public static func fitTime(unixSeconds: Int64) -> UInt64 { UInt64(clamping: unixSeconds - 631_065_600) }

    /// Degrees as FIT semicircles, two's complement in 32 bits.
    public static func semicircles(_ degrees: Double) -> UInt64 {
        UInt64(UInt32(bitPattern: Int32(clamping: Int64((degrees * 2_147_483_648 / 180).rounded()))))
    }
}
