/// FIT `hr` messages: the heart rate an HRM-Swim or HRM-Tri strap stores while the watch cannot hear it under water,
/// delivered in batches after the swim. Each beat is `filtered_bpm[i]` at `event_timestamp[i]`, a clock of the strap
/// in 1/1024 s; the first message of a batch also carries `timestamp` (UTC) and `fractional_timestamp`, which tie
/// that clock to UTC, and full 32-bit event times (field 9); the messages after it give only the low 12 bits of
/// each event time (`event_timestamp_12`, field 10, packed two to three bytes), which roll over every 4 s.
///
/// The beats become UTC times (FIT seconds with a fraction): anchor time + (event − anchor event) / 1024.
struct FITStrapHeartRate {
    /// FIT seconds (since 1989-12-31T00:00:00Z, or the device's switch-on) of each beat, and its bpm.
    private(set) var time: [Double] = []
    private(set) var bpm: [Double] = []
    /// Beats that came before any anchor (no UTC to place them) and were skipped.
    private(set) var unanchored = 0
    private var anchorTime: Double?
    private var anchorEvent: UInt64 = 0
    private var lastEvent: UInt64 = 0

    /// A day of beats at 240 bpm: more are not kept.
    static let maxBeats = 345_600

    /// Field numbers of the `hr` message.
    enum Field {
        static let fractionalTimestamp: UInt8 = 0, filteredBPM: UInt8 = 6, eventTimestamp: UInt8 = 9, eventTimestamp12: UInt8 = 10
    }

    /// One `hr` message at `at` of definition `d`.
    mutating func read(_ d: FITDefinition, _ b: UnsafeBufferPointer<UInt8>, at: Int) {
        let rates = d.field(Field.filteredBPM, b)
        guard rates.isPresent, rates.width == 1 else { return }
        let count = rates.size
        let full = d.field(Field.eventTimestamp, b)
        if full.isPresent, full.width == 4, full.kind == .unsigned {
            let stamp = d.timestamp.integer(b, at, bigEndian: d.bigEndian)
            let fraction = d.field(Field.fractionalTimestamp, b).value(b, at, bigEndian: d.bigEndian).map { $0 / 32_768 } ?? 0
            for i in 0 ..< min(count, full.size / 4) {
                var element = full
                element.offset = full.offset + i * 4
                element.size = 4
                guard let event = element.integer(b, at, bigEndian: d.bigEndian) else { continue }
                if i == 0, let stamp {
                    anchorTime = Double(stamp) + fraction
                    anchorEvent = event
                }
                lastEvent = event
                append(event, rates, i, b, at)
            }
            return
        }
        let packed = d.field(Field.eventTimestamp12, b)
        guard packed.isPresent else { return }
        for i in 0 ..< count {
            // Value i occupies bits 12i ..< 12i + 12 of the little-endian byte string.
            let byte = i * 12 / 8
            guard byte + 1 < packed.size else { break }
            let lo = UInt64(b[at + packed.offset + byte]), hi = UInt64(b[at + packed.offset + byte + 1])
            let low12 = i % 2 == 0 ? lo | (hi & 0x0F) << 8 : lo >> 4 | hi << 4
            lastEvent = lastEvent &+ ((low12 &- (lastEvent & 0xFFF)) & 0xFFF)
            append(lastEvent, rates, i, b, at)
        }
    }

    private mutating func append(_ event: UInt64, _ rates: FITField, _ i: Int, _ b: UnsafeBufferPointer<UInt8>, _ at: Int) {
        let value = Double(b[at + rates.offset + i])
        guard value != 0xFF, value > 0 else { return }
        guard let anchorTime else {
            unanchored += 1
            return
        }
        guard time.count < Self.maxBeats else { return }
        time.append(anchorTime + (Double(event) - Double(anchorEvent)) / 1024)
        bpm.append(value)
    }
}
