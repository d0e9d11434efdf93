import PolarPipeCore

/// Writes a generated session as Polar Flow's per-session CSV export: the summary header and its row (date
/// `DD.MM.YYYY`, local start without milliseconds or offset, duration `HH:MM:SS`, the athlete's settings), the
/// sample header, then one row a second; a trailing comma on every line, as Polar writes them.
enum PolarCSVWriter {
    static func write(_ base: GeneratedSession) -> ([UInt8], GeneratedSession) {
        var session = base
        session.layout = .csv
        var e = base.exercises[0]
        let p = base.physical
        let start = e.startLocalMillis - e.startLocalMillis % 1000
        let day = PolarTime.format(millis: start)
        let (date, time) = ("\(day.dropFirst(8).prefix(2)).\(day.dropFirst(5).prefix(2)).\(day.prefix(4))", String(day.suffix(8)))
        let seconds = Int(e.durationS)
        let valid = e.validHeartRate
        func clock(_ s: Int) -> String {
            func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
            return "\(two(s / 3600)):\(two(s / 60 % 60)):\(two(s % 60))"
        }
        func text(_ v: Double?) -> String { v.map { "\($0)" } ?? "" }

        var w = JSONWriter()
        w.reserve(e.heartRate.count * 40 + 2048)
        w.raw("Name,Sport,Date,Start time,Duration,Total distance (km),Average heart rate (bpm),Average speed (km/h),")
        w.raw("Max speed (km/h),Average pace (min/km),Max pace (min/km),Calories,Fat percentage of calories(%),")
        w.raw("Average cadence (rpm),Average stride length (cm),Running index,Training load,Ascent (m),Descent (m),")
        w.raw("Average power (W),Max power (W),Notes,Height (cm),Weight (kg),HR max,HR sit,VO2max,\n")
        let hrAverage = valid.isEmpty ? "" : "\(Int(valid.reduce(0, +) / Double(valid.count)))"
        w.raw("\(base.userKey),\(e.sport),\(date),\(time),\(clock(seconds)),\(e.reportedDistanceM / 1000),\(hrAverage),,,,,")
        w.raw("\(e.calories),,,,,,,,,,,\(text(p.heightCm)),\(text(p.weightKg)),\(text(p.maxHR)),\(text(p.restingHR)),\(text(p.vo2max)),\n")
        w.raw("Sample rate,Time,HR (bpm),Speed (km/h),Pace (min/km),Cadence,Altitude (m),Stride length (m),Distances (m),")
        w.raw("Temperatures (C),Power (W),\n")
        for i in 0 ..< e.heartRate.count {
            w.raw("\(i == 0 ? "1" : ""),\(clock(i)),\(e.heartRate[i].map { "\(Int($0))" } ?? ""),\(text(e.speed[i])),,,")
            w.raw("\(text(e.altitude[i])),,\(text(e.distance[i])),,,\n")
        }

        // What the file states: a local start on whole seconds with no offset, whole seconds of duration, no route.
        e.startLocalMillis = start
        e.tzOffsetMinutes = 0
        e.durationS = Double(seconds)
        e.reportedDistanceM = e.reportedDistanceM / 1000 * 1000
        e.route = RouteSeries()
        session.exercises = [e]
        session.relativePath = "training-session-\(day.prefix(10))-\(base.details.numericID).csv"
        return (w.bytes, session)
    }
}
