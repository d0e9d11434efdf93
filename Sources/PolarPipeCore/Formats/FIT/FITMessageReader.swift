/// Walks the records of every FIT file chained in one file — definitions into a 16-slot table, data messages read
/// straight from the bytes with an index — and collects what `FITActivity` keeps.
///
/// Every size comes from the bytes already checked to be there: a message must fit before the data end, a
/// definition's fields inside its message; nothing is allocated from a count the file states.
struct FITMessageReader {
    private(set) var activity = FITActivity()
    private var problems: [(FITProblem, String, error: Bool)] = []
    private var definitions = [FITDefinition?](repeating: nil, count: 16)
    private var lastTimestamp: UInt32?
    /// `compressed_speed_distance` distance, 1/16 m, accumulated across its 12-bit roll-overs.
    private var accumulatedDistance: UInt64 = 0
    private var lastCompressedDistance: UInt64 = 0

    /// Reads `bytes`; problems go to `reader`. Nil after an error (the file is to be quarantined).
    static func read(_ bytes: [UInt8], reader: inout FieldReader) -> FITActivity? {
        var walker = FITMessageReader()
        bytes.withUnsafeBufferPointer { walker.readFiles($0) }
        for (problem, message, isError) in walker.problems {
            if isError { reader.error(problem, message) } else { reader.warning(problem, message) }
        }
        return walker.problems.contains { $0.error } ? nil : walker.activity
    }

    private mutating func fail(_ problem: FITProblem, _ message: String) { problems.append((problem, message, true)) }
    private mutating func warn(_ problem: FITProblem, _ message: String) { problems.append((problem, message, false)) }

    private mutating func readFiles(_ b: UnsafeBufferPointer<UInt8>) {
        activity.records.reserve(min(b.count / 16, 1 << 20))
        var pos = 0
        var badCRC = 0
        while pos < b.count {
            guard let header = FITHeader(b, at: pos) else {
                if FITHeader.isCut(b, at: pos) { fail(.truncated, "the file ends inside the header at byte \(pos)") }
                else if activity.files == 0 { fail(.corrupt, "no FIT file header at byte 0") }
                else { warn(.trailingBytes, "\(b.count - pos) bytes after the last FIT file ignored") }
                return
            }
            if !header.crcMatches { badCRC += 1 }
            let dataStart = pos + header.size
            let available = b.count - dataStart
            var dataEnd = dataStart + header.dataSize
            var checkCRC = true
            if header.dataSize == 0, available > 2 {
                warn(.unknownDataSize, "the header of FIT file \(activity.files + 1) claims 0 data bytes; read up to the last 2 bytes")
                dataEnd = b.count - 2
                checkCRC = false
            } else if header.dataSize > available - 2 {
                fail(.truncated, "the file ends \(header.dataSize + 2 - max(0, available)) bytes before the end its header announces "
                     + "(\(header.dataSize) data bytes and a CRC after byte \(dataStart))")
                return
            }
            definitions = [FITDefinition?](repeating: nil, count: 16)
            guard readMessages(b, from: dataStart, to: dataEnd, atFileEnd: !checkCRC) else { return }
            if checkCRC {
                let stored = UInt16(b[dataEnd]) | UInt16(b[dataEnd + 1]) << 8
                if stored != FITCRC.checksum(b, pos ..< dataEnd) { badCRC += 1 }
            }
            activity.files += 1
            pos = dataEnd + 2
        }
        if badCRC > 0 { warn(.crc, "\(badCRC) CRC\(badCRC == 1 ? "" : "s") of \(activity.files) FIT file\(activity.files == 1 ? "" : "s") do not match; the data decoded") }
    }

    /// Reads the messages of one FIT file's data; false after an error.
    private mutating func readMessages(_ b: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, atFileEnd: Bool) -> Bool {
        var p = start
        func overrun(_ what: String) -> Bool {
            if atFileEnd { fail(.truncated, "the file ends inside a \(what) at byte \(p)") }
            else { fail(.corrupt, "a \(what) at byte \(p) runs past the data size its header announces") }
            return false
        }
        while p < end {
            let header = b[p]
            p += 1
            if header & 0x80 != 0 {
                // Compressed timestamp: local type in bits 5–6, seconds in bits 0–4 rolling over the last timestamp.
                guard let d = definitions[Int((header >> 5) & 3)] else {
                    fail(.corrupt, "a compressed-timestamp message at byte \(p - 1) uses an undefined local message type")
                    return false
                }
                guard end - p >= d.size else { return overrun("message") }
                let offset = UInt32(header & 0x1F)
                let last = lastTimestamp ?? 0
                var t = (last & ~0x1F) &+ offset
                if offset < last & 0x1F { t = t &+ 0x20 }
                lastTimestamp = t
                handle(d, b, at: p, time: t)
                p += d.size
            } else if header & 0x40 != 0 {
                guard end - p >= 5 else { return overrun("definition") }
                guard b[p + 1] <= 1 else {
                    fail(.corrupt, "a definition at byte \(p - 1) names byte order \(b[p + 1]), not 0 or 1")
                    return false
                }
                var d = FITDefinition()
                d.bigEndian = b[p + 1] == 1
                d.global = d.bigEndian ? UInt16(b[p + 2]) << 8 | UInt16(b[p + 3]) : UInt16(b[p + 3]) << 8 | UInt16(b[p + 2])
                d.fieldCount = Int(b[p + 4])
                d.fieldsAt = p + 5
                var q = d.fieldsAt
                guard end - q >= d.fieldCount * 3 else { return overrun("definition") }
                for _ in 0 ..< d.fieldCount {
                    d.size += Int(b[q + 1])
                    q += 3
                }
                if header & 0x20 != 0 {
                    guard end - q >= 1, end - q - 1 >= Int(b[q]) * 3 else { return overrun("definition") }
                    let developerCount = Int(b[q])
                    q += 1
                    for _ in 0 ..< developerCount {
                        d.size += Int(b[q + 1])
                        q += 3
                    }
                }
                d.timestamp = d.field(FITDefinition.timestampField, b)
                if d.global == FITDefinition.Message.record { d.record = FITRecordLayout(d, b) }
                definitions[Int(header & 0x0F)] = d
                p = q
            } else {
                guard let d = definitions[Int(header & 0x0F)] else {
                    fail(.corrupt, "a data message at byte \(p - 1) uses undefined local message type \(header & 0x0F)")
                    return false
                }
                guard end - p >= d.size else { return overrun("message") }
                if let t = d.timestamp.integer(b, p, bigEndian: d.bigEndian) { lastTimestamp = UInt32(truncatingIfNeeded: t) }
                handle(d, b, at: p, time: lastTimestamp)
                p += d.size
            }
        }
        return true
    }

    /// One data message at `at` of definition `d`; `time` is its timestamp (or the last one seen).
    private mutating func handle(_ d: FITDefinition, _ b: UnsafeBufferPointer<UInt8>, at: Int, time: UInt32?) {
        typealias M = FITDefinition.Message
        switch d.global {
        case M.record: appendRecord(d, b, at: at, time: time)
        case M.session:
            guard activity.sessions.count < FITActivity.maxSessions + 1 else { return }
            activity.sessions.append(summary(d, b, at: at, session: true))
        case M.lap:
            activity.lapCount += 1
            if activity.laps.count < FITActivity.maxLaps { activity.laps.append(summary(d, b, at: at, session: false)) }
        case M.activity:
            activity.activityTime = time
            activity.activityLocalTime = d.field(5, b).integer(b, at, bigEndian: d.bigEndian).map { UInt32(truncatingIfNeeded: $0) }
        case M.fileID where activity.files == 0 && activity.timeCreated == nil && activity.serialNumber == nil:
            let v = { (n: UInt8) in d.field(n, b).integer(b, at, bigEndian: d.bigEndian) }
            activity.manufacturer = v(1)
            activity.product = v(2)
            activity.serialNumber = v(3)
            activity.timeCreated = d.field(4, b).integer(b, at, bigEndian: d.bigEndian).map { UInt32(truncatingIfNeeded: $0) }
        case M.userProfile:
            let v = { (n: UInt8) in d.field(n, b).value(b, at, bigEndian: d.bigEndian) }
            activity.profile = FITActivity.Profile(gender: v(1), heightM: v(3).map { $0 / 100 }, weightKg: v(4).map { $0 / 10 },
                                                   restingHR: v(8), maxHR: v(11))
        case M.sport where activity.sports.count < FITActivity.maxSessions:
            let v = { (n: UInt8) in d.field(n, b).integer(b, at, bigEndian: d.bigEndian).map { UInt8(truncatingIfNeeded: $0) } }
            activity.sports.append((v(0), v(1), d.field(3, b).text(b, at)))
        case M.event:
            activity.events += 1
            readTimerEvent(d, b, at: at, time: time)
        case M.hr: activity.strap.read(d, b, at: at)
        case M.hrZone where activity.hrZoneUpperBPM.count < 16:
            if let high = d.field(1, b).value(b, at, bigEndian: d.bigEndian) {
                let index = d.field(254, b).value(b, at, bigEndian: d.bigEndian) ?? Double(activity.hrZoneUpperBPM.count)
                activity.hrZoneUpperBPM.append((index, high))
            }
        case M.zonesTarget:
            activity.zonesMaxHR = d.field(1, b).value(b, at, bigEndian: d.bigEndian) ?? activity.zonesMaxHR
        case M.deviceInfo: activity.devices += 1
        case M.hrv:
            let f = d.field(0, b)
            guard f.isPresent, f.kind == .unsigned, f.width == 2 else { return }
            var element = f
            element.size = 2
            for i in 0 ..< f.size / 2 {
                element.offset = f.offset + i * 2
                // `time`: seconds with scale 1 000 (so the raw value is milliseconds).
                if let ms = element.value(b, at, bigEndian: d.bigEndian) {
                    activity.hrvIntervals += 1
                    if activity.rrIntervalsMs.count < FITActivity.maxRRIntervals { activity.rrIntervalsMs.append(ms) }
                }
            }
        case M.fieldDescription where activity.developerFields.count < 64:
            if let name = d.field(3, b).text(b, at) { activity.developerFields.append(name) }
        default: break
        }
    }

    /// An `event` message of the timer (`event` 0): a stop (`event_type` stop, stop_all, stop_disable,
    /// stop_disable_all) opens a pause, the next start (0) closes it.
    private mutating func readTimerEvent(_ d: FITDefinition, _ b: UnsafeBufferPointer<UInt8>, at: Int, time: UInt32?) {
        guard let time, d.field(0, b).integer(b, at, bigEndian: d.bigEndian) == 0,
              let type = d.field(1, b).integer(b, at, bigEndian: d.bigEndian) else { return }
        switch type {
        case 1, 4, 8, 9:
            if activity.timerStoppedAt == nil { activity.timerStoppedAt = time }
        case 0:
            if let stopped = activity.timerStoppedAt, time > stopped, activity.timerPauses.count < FITActivity.maxPauses {
                activity.timerPauses.append((time, stopped))
            }
            activity.timerStoppedAt = nil
        default:
            break
        }
    }

    @inline(__always)
    private mutating func appendRecord(_ d: FITDefinition, _ b: UnsafeBufferPointer<UInt8>, at: Int, time: UInt32?) {
        guard let time else {
            activity.untimedRecords += 1
            return
        }
        let r = d.record
        let big = d.bigEndian
        var speed = r.enhancedSpeed.value(b, at, bigEndian: big) ?? r.speed.value(b, at, bigEndian: big)
        var distance = r.distance.value(b, at, bigEndian: big).map { $0 / 100 }
        if r.compressedSpeedDistance.isPresent {
            // 12 bits of speed (1/100 m/s), then 12 bits of distance (1/16 m) that roll over.
            let at3 = at + r.compressedSpeedDistance.offset
            let raw = UInt64(b[at3]) | UInt64(b[at3 + 1]) << 8 | UInt64(b[at3 + 2]) << 16
            if speed == nil { speed = Double(raw & 0xFFF) * 10 }
            let d12 = raw >> 12
            accumulatedDistance += (d12 &- lastCompressedDistance) & 0xFFF
            lastCompressedDistance = d12
            if distance == nil { distance = Double(accumulatedDistance) / 16 }
        }
        let semicircle = 180.0 / 2_147_483_648.0
        activity.records.time.append(time)
        activity.records.heartRate.append(r.heartRate.value(b, at, bigEndian: big) ?? .nan)
        activity.records.latitude.append(r.latitude.value(b, at, bigEndian: big).map { $0 * semicircle } ?? .nan)
        activity.records.longitude.append(r.longitude.value(b, at, bigEndian: big).map { $0 * semicircle } ?? .nan)
        let altitude = r.enhancedAltitude.value(b, at, bigEndian: big) ?? r.altitude.value(b, at, bigEndian: big)
        activity.records.altitude.append(altitude.map { $0 / 5 - 500 } ?? .nan)
        activity.records.speed.append(speed.map { $0 / 1000 } ?? .nan)
        activity.records.distance.append(distance ?? .nan)
        activity.records.cadence.append(r.cadence.value(b, at, bigEndian: big) ?? .nan)
        activity.records.power.append(r.power.value(b, at, bigEndian: big) ?? .nan)
        activity.records.temperature.append(r.temperature.value(b, at, bigEndian: big) ?? .nan)
    }

    /// A `session` or `lap` message's summary (the two number some fields differently).
    private func summary(_ d: FITDefinition, _ b: UnsafeBufferPointer<UInt8>, at: Int, session: Bool) -> FITActivity.Summary {
        let v = { (n: UInt8) in d.field(n, b).value(b, at, bigEndian: d.bigEndian) }
        let int = { (n: UInt8) in d.field(n, b).integer(b, at, bigEndian: d.bigEndian) }
        let time = { (n: UInt8) in int(n).map { UInt32(truncatingIfNeeded: $0) } }
        let byte = { (n: UInt8) in int(n).map { UInt8(truncatingIfNeeded: $0) } }
        var s = FITActivity.Summary()
        s.start = time(2)
        s.end = time(FITDefinition.timestampField)
        s.elapsed = v(7).map { $0 / 1000 }
        s.timer = v(8).map { $0 / 1000 }
        s.distance = v(9).map { $0 / 100 }
        s.calories = v(11)
        if session {
            s.sport = byte(5)
            s.subSport = byte(6)
            s.avgSpeed = (v(124) ?? v(14)).map { $0 / 1000 }
            s.avgHR = v(16)
            s.maxHR = v(17)
            s.minHR = v(64)
            s.avgCadence = v(18)
            s.maxCadence = v(19)
            s.avgPower = v(20)
            s.maxPower = v(21)
            s.ascent = v(22)
            s.descent = v(23)
            s.avgTemperature = v(57)
        } else {
            s.sport = byte(25)
            s.avgHR = v(15)
            s.maxHR = v(16)
            s.ascent = v(21)
            s.descent = v(22)
        }
        return s
    }
}
