/// A definition message: the layout of the data messages of one local message type until it is redefined.
/// Kept in a fixed 16-slot array by local type; the fields of `record` messages are prepared as `FITRecordLayout`,
/// other (rare) messages find their fields by walking the definition's field list in the file.
struct FITDefinition {
    var global: UInt16 = 0
    var bigEndian = false
    /// Bytes of one data message, developer fields included, record header excluded.
    var size = 0
    /// File offset of the first 3-byte field definition, and how many there are.
    var fieldsAt = 0
    var fieldCount = 0
    var timestamp = FITField()
    var record = FITRecordLayout()

    /// Global message numbers polarpipe reads.
    enum Message {
        static let fileID: UInt16 = 0, userProfile: UInt16 = 3, sport: UInt16 = 12, session: UInt16 = 18, lap: UInt16 = 19
        static let record: UInt16 = 20, event: UInt16 = 21, deviceInfo: UInt16 = 23, activity: UInt16 = 34, hrv: UInt16 = 78
        static let fieldDescription: UInt16 = 206, developerDataID: UInt16 = 207
        static let zonesTarget: UInt16 = 7, hrZone: UInt16 = 8, hr: UInt16 = 132
    }

    /// The timestamp field number, the same in every message.
    static let timestampField: UInt8 = 253

    /// The field `number` of this definition (absent when it has none).
    func field(_ number: UInt8, _ b: UnsafeBufferPointer<UInt8>) -> FITField {
        var offset = 0
        var at = fieldsAt
        for _ in 0 ..< fieldCount {
            let size = Int(b[at + 1])
            if b[at] == number { return FITField(offset: offset, size: size, baseType: b[at + 2]) }
            offset += size
            at += 3
        }
        return FITField()
    }
}

/// The `record` fields polarpipe uses, with their offsets in the message.
struct FITRecordLayout {
    var latitude = FITField(), longitude = FITField(), altitude = FITField(), enhancedAltitude = FITField()
    var heartRate = FITField(), cadence = FITField(), distance = FITField(), speed = FITField(), enhancedSpeed = FITField()
    var power = FITField(), compressedSpeedDistance = FITField(), temperature = FITField()

    init() {}

    init(_ definition: FITDefinition, _ b: UnsafeBufferPointer<UInt8>) {
        var offset = 0
        var at = definition.fieldsAt
        for _ in 0 ..< definition.fieldCount {
            let size = Int(b[at + 1])
            let field = FITField(offset: offset, size: size, baseType: b[at + 2])
            switch b[at] {
            case 0: latitude = field
            case 1: longitude = field
            case 2: altitude = field
            case 3: heartRate = field
            case 4: cadence = field
            case 5: distance = field
            case 6: speed = field
            case 7: power = field
            case 8: if size >= 3 { compressedSpeedDistance = field }
            case 13: temperature = field
            case 73: enhancedSpeed = field
            case 78: enhancedAltitude = field
            default: break
            }
            offset += size
            at += 3
        }
    }
}
