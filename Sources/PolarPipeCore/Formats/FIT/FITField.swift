/// Where one field of a data message lies and how to read it, prepared once from its definition so that a data
/// message is read without looking anything up.
///
/// A field is read at the width of its base type — the first value of an array — or at its declared size when
/// that is smaller (COROS declares `uint32` fields of 1 byte): what is there is read, never more. Invalid values
/// (all bits set for unsigned and signed-maximum for signed types, 0 for the `z` types, NaN for floats) read as nil.
struct FITField {
    enum Kind: UInt8 {
        case unsigned, unsignedZ, signed, float, other
    }
    /// Offset from the message's first byte; -1 when the message has no such field. (Small integer types keep a
    /// definition — copied for each message — a few cache lines smaller.)
    private var storedOffset: Int32 = -1
    private var storedWidth: UInt8 = 0
    private var storedSize: UInt8 = 0
    var kind = Kind.other

    var offset: Int {
        get { Int(storedOffset) }
        set { storedOffset = Int32(clamping: newValue) }
    }
    /// Bytes read (1…8).
    var width: Int { Int(storedWidth) }
    /// Bytes the definition declares.
    var size: Int {
        get { Int(storedSize) }
        set { storedSize = UInt8(clamping: newValue) }
    }

    var isPresent: Bool { storedOffset >= 0 }

    init() {}

    /// The field of `size` bytes at `offset` of base type `baseType` (the definition's byte).
    init(offset: Int, size: Int, baseType: UInt8) {
        storedOffset = Int32(clamping: offset)
        storedSize = UInt8(clamping: size)
        let number = baseType & 0x1F
        let typeSize: Int
        switch number {
        case 0, 2, 13: (kind, typeSize) = (number == 13 ? .other : .unsigned, 1)
        case 1: (kind, typeSize) = (.signed, 1)
        case 3: (kind, typeSize) = (.signed, 2)
        case 4: (kind, typeSize) = (.unsigned, 2)
        case 5: (kind, typeSize) = (.signed, 4)
        case 6: (kind, typeSize) = (.unsigned, 4)
        case 8: (kind, typeSize) = (.float, 4)
        case 9: (kind, typeSize) = (.float, 8)
        case 10: (kind, typeSize) = (.unsignedZ, 1)
        case 11: (kind, typeSize) = (.unsignedZ, 2)
        case 12: (kind, typeSize) = (.unsignedZ, 4)
        case 14: (kind, typeSize) = (.signed, 8)
        case 15: (kind, typeSize) = (.unsigned, 8)
        case 16: (kind, typeSize) = (.unsignedZ, 8)
        default: (kind, typeSize) = (.other, 1)
        }
        storedWidth = UInt8(clamping: min(size, typeSize))
        if storedWidth == 0 || (kind == .float && width != typeSize) { kind = .other }
    }

    /// The field's bits (`width` bytes in the message's byte order) at `message` in `b`; the caller has checked
    /// that the message lies inside `b`.
    @inline(__always)
    func bits(_ b: UnsafeBufferPointer<UInt8>, _ message: Int, bigEndian: Bool) -> UInt64 {
        var v: UInt64 = 0
        let at = message + offset
        if bigEndian {
            for i in 0 ..< width { v = v << 8 | UInt64(b[at + i]) }
        } else {
            var i = width
            while i > 0 {
                i -= 1
                v = v << 8 | UInt64(b[at + i])
            }
        }
        return v
    }

    /// The field's value, nil when absent or invalid.
    @inline(__always)
    func value(_ b: UnsafeBufferPointer<UInt8>, _ message: Int, bigEndian: Bool) -> Double? {
        guard offset >= 0 else { return nil }
        let v = bits(b, message, bigEndian: bigEndian)
        let allOnes: UInt64 = width == 8 ? .max : (1 << UInt64(width * 8)) - 1
        switch kind {
        case .unsigned: return v == allOnes ? nil : Double(v)
        case .unsignedZ: return v == 0 ? nil : Double(v)
        case .signed:
            let signBit: UInt64 = 1 << UInt64(width * 8 - 1)
            if v == signBit - 1 { return nil }
            return Double(v & signBit == 0 ? Int64(bitPattern: v) : Int64(bitPattern: v | ~allOnes))
        case .float:
            if v == allOnes { return nil }
            let d = width == 4 ? Double(Float(bitPattern: UInt32(truncatingIfNeeded: v))) : Double(bitPattern: v)
            return d.isFinite ? d : nil
        case .other: return nil
        }
    }

    /// The field's bits when it holds a valid integer (a timestamp, an enum), nil otherwise (floats included).
    @inline(__always)
    func integer(_ b: UnsafeBufferPointer<UInt8>, _ message: Int, bigEndian: Bool) -> UInt64? {
        guard kind == .unsigned || kind == .unsignedZ || kind == .signed, value(b, message, bigEndian: bigEndian) != nil else { return nil }
        return bits(b, message, bigEndian: bigEndian)
    }

    /// The field's text (a `string` field up to its first NUL), nil when absent or empty.
    func text(_ b: UnsafeBufferPointer<UInt8>, _ message: Int) -> String? {
        guard offset >= 0, size > 0 else { return nil }
        var end = message + offset
        while end < message + offset + size, b[end] != 0 { end += 1 }
        guard end > message + offset else { return nil }
        return String(decoding: UnsafeBufferPointer(rebasing: b[(message + offset) ..< end]), as: UTF8.self)
    }
}
