/// Turns raw FIT timestamps into local wall-clock times.
///
/// FIT times are UTC seconds since 1989-12-31T00:00:00Z; `activity.local_timestamp − activity.timestamp` is the
/// time-zone offset. Timestamps below 0x10000000 count seconds since the device was switched on (Forerunner 70):
/// they are used relative to each other, anchored on `activity.local_timestamp` when that is a real date (the
/// offset is then unknown), else on the FIT epoch, with a warning.
struct FITClock {
    static let epochUnixSeconds: Int64 = 631_065_600
    static let relativeLimit: UInt32 = 0x1000_0000

    /// Local seconds (as if UTC, Unix epoch) = raw + `shift`.
    private var shift: Int64
    /// Minutes east of UTC; nil when the file does not say.
    var offsetMinutes: Int?

    init(_ a: FITActivity, firstTime: UInt32?, reader: inout FieldReader) {
        var warned = false
        let relative = firstTime.map { $0 < FITClock.relativeLimit } ?? false
        var stated: Int?
        if let t = a.activityTime, let local = a.activityLocalTime, t >= FITClock.relativeLimit, local >= FITClock.relativeLimit {
            let diff = Int64(local) - Int64(t)
            stated = Int(truncatingIfNeeded: (diff + (diff >= 0 ? 30 : -30)) / 60)
        }
        if relative {
            if let t = a.activityTime, let local = a.activityLocalTime, local >= FITClock.relativeLimit {
                shift = FITClock.epochUnixSeconds + Int64(local) - Int64(t)
                reader.warning(.relativeTime, "timestamps count seconds since the device was switched on; the start is "
                               + "taken from activity.local_timestamp")
            } else {
                shift = FITClock.epochUnixSeconds
                reader.warning(.relativeTime, "timestamps count seconds since the device was switched on and nothing "
                               + "anchors them: the start date is not real, times within the exercise are")
            }
            stated = nil
        } else {
            shift = FITClock.epochUnixSeconds
        }
        offsetMinutes = reader.timeZoneOffset(stated, fallback: nil, path: "$.activity", key: "local_timestamp", warned: &warned)
        if !relative, let offsetMinutes { shift += Int64(offsetMinutes) * 60 }
    }

    /// Local wall-clock milliseconds of raw FIT time `t`.
    func localMillis(_ t: UInt32) -> Int64 { (Int64(t) + shift) * 1000 }
}
