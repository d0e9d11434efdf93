/// FIT messages → `TrainingSession`: one exercise per `session` message (a multisport file has several), its
/// records from its start up to the next session's start.
///
/// Records: HR 0 is no reading (an HR strap not worn writes 0 throughout); positions are semicircles; speed m/s →
/// km/h, `enhanced_*` preferred; altitude goes to the altitude channel and the route. Records with the time of the
/// one before (Suunto writes HR and GPS in alternating records of one second) merge into one sample a second;
/// records that step back in time are put in order. Distance is made cumulative from each exercise's start (a
/// multisport file accumulates it over the whole activity). When the records span longer than the session's
/// elapsed time, the duration is the records' span. A timer stop and the next start (`event` messages) are a pause
/// of the exercise the start falls in (`ExerciseSamples.pauses`): no GPS distance across it.
enum FITSessionMapping {
    static func session(_ a: FITActivity, reader: inout FieldReader) -> TrainingSession? {
        guard a.sessions.count <= FITActivity.maxSessions else {
            reader.error(.tooManySessions, "\(a.sessions.count) session messages; at most \(FITActivity.maxSessions) are read")
            return nil
        }
        var summaries: [(summary: FITActivity.Summary, start: UInt32)] = a.sessions.compactMap { s in
            if let start = s.start { return (s, start) }
            if let end = s.end, let elapsed = s.elapsed, let seconds = CheckedConversion.int(floor: elapsed, in: 0 ... Int(end)) {
                return (s, end - UInt32(truncatingIfNeeded: seconds))
            }
            return nil
        }.sorted { $0.start < $1.start }
        if summaries.isEmpty {
            guard let first = a.records.time.min() else {
                reader.error(.empty, "the file holds neither a session nor a record")
                return nil
            }
            var s = FITActivity.Summary()
            s.sport = a.sports.first?.sport ?? a.laps.first?.sport
            s.subSport = a.sports.first?.subSport
            summaries = [(s, first)]
        }
        if a.untimedRecords > 0 { reader.warning(.timeOrder, "\(a.untimedRecords) records without a timestamp skipped") }
        let clock = FITClock(a, firstTime: summaries[0].start, reader: &reader)
        let starts = summaries.map(\.start)
        var channels = [FITChannels](repeating: FITChannels(), count: summaries.count)
        var before = 0
        var stepsBack = 0
        let r = a.records
        for i in 0 ..< r.count {
            let time = r.time[i]
            if i > 0, time < r.time[i - 1] { stepsBack += 1 }
            guard let e = starts.count == 1 ? (time >= starts[0] ? 0 : nil) : index(of: time, in: starts) else {
                before += 1
                continue
            }
            channels[e].append(Double(time - starts[e]), hr: r.heartRate[i], lat: r.latitude[i], lon: r.longitude[i],
                               altitude: r.altitude[i], speed: r.speed[i], distance: r.distance[i], cadence: r.cadence[i],
                               power: r.power[i], temperature: r.temperature[i])
        }
        placeStrapBeats(a.strap, starts: starts, summaries: summaries.map(\.summary), into: &channels, reader: &reader)
        for pause in a.timerPauses {
            guard let e = index(of: pause.resumed, in: starts) else { continue }
            channels[e].appendPause(Double(pause.resumed - starts[e]), stoppedS: Double(pause.resumed - pause.stopped))
        }
        if before > 0 { reader.warning(.timeOrder, "\(before) records before the first session's start skipped") }
        if stepsBack > 0 { reader.warning(.timeOrder, "\(stepsBack) records step back in time; samples put in time order") }

        var exercises: [Exercise] = []
        var previousDistance: Double?
        for (e, item) in summaries.enumerated() {
            let samples = channels[e].finished(distanceBase: previousDistance)
            if let last = channels[e].lastDistance { previousDistance = last }
            let s = item.summary
            let span = [samples.heartRate.t.last, samples.route.t.last, samples.speed.t.last, samples.distance.t.last,
                        samples.altitude.t.last, samples.power.t.last, samples.cadence.t.last].compactMap { $0 }.max() ?? 0
            let stated = s.elapsed ?? s.timer
            if let stated, span > stated + 0.5 {
                reader.warning(.elapsedShort, "session \(e + 1): elapsed time \(stated) s is shorter than its records' span of \(span) s; the span is used")
            }
            let end: UInt32? = e + 1 < starts.count ? starts[e + 1] : nil
            let laps = a.laps.filter { lap in lap.start.map { $0 >= item.start && $0 < (end ?? .max) } ?? false }
            let startLocal = clock.localMillis(item.start)
            let positive = { (v: Double?) in v.flatMap { $0 > 0 ? $0 : nil } }
            let hr = ReportedHeartRate(min: positive(s.minHR), avg: positive(s.avgHR), max: positive(s.maxHR))
            exercises.append(Exercise(
                externalID: nil, sport: FITSports.name(sport: s.sport, subSport: s.subSport),
                sportRaw: FITSports.raw(sport: s.sport, subSport: s.subSport), startLocalMillis: startLocal,
                tzOffsetMinutes: clock.offsetMinutes,
                stopLocalMillis: s.end.flatMap { $0 >= item.start ? clock.localMillis($0) : nil },
                durationS: max(stated ?? 0, span), distanceM: positive(s.distance), calories: s.calories,
                reportedHR: hr == ReportedHeartRate() ? nil : hr, ascentM: s.ascent, descentM: s.descent,
                raw: FITSummaryJSON.text(s, laps: laps, start: Int64(item.start), activity: a), samples: samples))
        }
        if let zones = heartRateZones(a, reader: &reader) {
            for i in exercises.indices { exercises[i].heartRateZones = zones }
        }
        // R-R intervals carry no time of their own: they belong to a file of one exercise only.
        if exercises.count == 1, !a.rrIntervalsMs.isEmpty {
            exercises[0].samples.rr = HeartRateVariability.timed(a.rrIntervalsMs)
        }
        let sessionID = a.serialNumber.flatMap { serial in a.timeCreated.map { "\(serial)-\($0)" } }
        if let sessionID {
            for i in exercises.indices { exercises[i].externalID = exercises.count == 1 ? sessionID : "\(sessionID)-\(i + 1)" }
        }
        var profile = a.profile
        if profile?.maxHR == nil, let zonesMax = a.zonesMaxHR {
            profile = profile ?? FITActivity.Profile()
            profile?.maxHR = zonesMax
        }
        return TrainingSession(layout: .fit, externalID: sessionID, deviceID: a.serialNumber.map { String($0) },
                               physical: physical(profile, sessionStart: exercises.first?.startLocalMillis, &reader),
                               exercises: exercises)
    }

    /// A swim strap's beats (`hr` messages) into the exercise whose time they fall in, up to its elapsed time; the
    /// records' own HR wins where both have a second.
    static func placeStrapBeats(_ strap: FITStrapHeartRate, starts: [UInt32], summaries: [FITActivity.Summary],
                                into channels: inout [FITChannels], reader: inout FieldReader) {
        guard !strap.time.isEmpty || strap.unanchored > 0 else { return }
        var outside = 0
        for i in strap.time.indices {
            let t = strap.time[i]
            guard t >= 0, t < Double(UInt32.max), let e = index(of: UInt32(t.rounded(.down)), in: starts) else {
                outside += 1
                continue
            }
            let offset = t - Double(starts[e])
            guard offset <= (summaries[e].elapsed ?? summaries[e].timer ?? .infinity) else {
                outside += 1
                continue
            }
            channels[e].appendStrapBeat(offset, bpm: strap.bpm[i])
        }
        if outside + strap.unanchored > 0 {
            reader.warning(.timeOrder, "\(outside + strap.unanchored) of \(strap.time.count + strap.unanchored) beats of the HR strap's "
                           + "memory (hr messages) fall outside every session or have no time; skipped")
        }
    }

    /// The watch's heart-rate zones (`hr_zone` messages, each zone's upper limit by index); nil without them, and a
    /// warning when they are not zones (`HeartRateZoneLimits`).
    static func heartRateZones(_ a: FITActivity, reader: inout FieldReader) -> HeartRateZoneLimits? {
        guard !a.hrZoneUpperBPM.isEmpty else { return nil }
        var seen = Set<Double>()
        let upper = a.hrZoneUpperBPM.filter { seen.insert($0.index).inserted }.sorted { $0.index < $1.index }.map(\.bpm)
        guard let zones = HeartRateZoneLimits(upperBPM: upper) else {
            reader.warning("implausible-value", "$.hr_zone", "hr_zone upper limits \(upper.map(HeartRateZoneLimits.format).joined(separator: ", ")) "
                           + "are not five ascending zones within 30–250 bpm; ignored")
            return nil
        }
        return zones
    }

    /// The index of the last start at or before `time` (starts ascending); nil before the first.
    static func index(of time: UInt32, in starts: [UInt32]) -> Int? {
        var lo = 0, hi = starts.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if starts[mid] <= time { lo = mid + 1 } else { hi = mid }
        }
        return lo == 0 ? nil : lo - 1
    }

    /// `user_profile` as physical information, implausible values dropped with a warning.
    static func physical(_ p: FITActivity.Profile?, sessionStart: Int64?, _ reader: inout FieldReader) -> PhysicalInformation? {
        guard let p else { return nil }
        let sex: String? = p.gender == 0 ? "FEMALE" : p.gender == 1 ? "MALE" : nil
        let info = PhysicalInformation(sex: sex, heightCm: p.heightM.map { ($0 * 1000).rounded() / 10 }, weightKg: p.weightKg,
                                       maxHR: p.maxHR, restingHR: p.restingHR, recordedAtLocalMillis: sessionStart)
        let checked = reader.plausible(info, path: "$.user_profile", keys: PhysicalPlausibility.Keys(height: "height", weight: "weight"),
                                       sessionStart: sessionStart)
        return checked.isEmpty ? nil : checked
    }
}
