import Foundation

extension ReportWriter {
    /// The page of one exercise: a summary of what it has and the watch's own figures where they differ from
    /// polarpipe's, then route, heart rate, power, elevation, splits and zones when it has the samples for them. A manual entry (no samples) shows its summary and says why the rest is missing.
    public static func exercisePage(_ page: ExercisePage, generatedAt: Int64) -> String {
        let e = page.exercise, st = page.stats
        let sport = SportNames.displayName(e.sport)
        let route = SampleFilters.validRoute(page.samples.route)
        let heartRate = SampleFilters.validHeartRate(page.samples.heartRate)
        var body = "<section><h2>Summary</h2>" + HTML.cards(summaryCards(e, st)) + "</section>"
        body += watchSection(WatchFigures(page.recorded), e, st)
        if route.count < 2 && heartRate.count == 0 {
            body += "<section><h2>Samples</h2>" + HTML.note(
                "This exercise has no heart-rate or GPS samples (a manual entry, or a watch without sensors): "
                    + "its duration\(e.distanceM == nil ? "" : ", distance")\(e.calories == nil ? "" : " and calories") are what it recorded.")
                + "</section>"
        }
        if route.count >= 2 {
            body += "<section><h2>Route</h2>" + SVGChart.route(title: "Route", latitude: route.latitude, longitude: route.longitude,
                                                               lengthM: st?.gpsDistanceM, tiles: page.mapTiles) + "</section>"
        }
        if heartRate.count > 0 {
            let hr = SVGChart.downsample(heartRate, to: 240)
            body += "<section><h2>Heart rate</h2>" + SVGChart.timeLines(title: "Heart rate by elapsed time", times: hr.t,
                                                                  series: [("heart rate", hr.value)], unit: "bpm", includeZero: false)
            if let zones = st?.hrZonesS {
                body += SVGChart.horizontalBars(title: "Time in heart-rate zones", labels: ["Z1", "Z2", "Z3", "Z4", "Z5"],
                                                values: zones.map { $0 / 60 }, unit: "min")
            } else {
                body += HTML.note(maxHRNote)
            }
            body += "</section>"
        }
        body += powerSection(page)
        let altitudes = route.altitude.contains { !$0.isNaN }
            ? SampleSeries(t: route.t.indices.filter { !route.altitude[$0].isNaN }.map { route.t[$0] }, value: route.altitude.filter { !$0.isNaN })
            : page.samples.altitude
        if altitudes.count >= 2 {
            let elevation = SVGChart.downsample(altitudes, to: 240)
            body += "<section><h2>Elevation</h2>" + SVGChart.timeLines(title: "Altitude by elapsed time", times: elevation.t,
                                                                  series: [("altitude", elevation.value)], unit: "m", includeZero: false) + "</section>"
        }
        if route.count >= 2 || !page.splits.isEmpty {
            let onFoot = SportKind(sport: e.sport) == .onFoot
            body += "<section><h2>Splits</h2>" + (page.splits.isEmpty ? HTML.note("No complete kilometre.") : HTML.table(
                [("km", true), ("Time", true), (onFoot ? "Pace" : "Speed", true), ("HR avg", true), ("Elevation", true)],
                page.splits.map { split in
                    [.text("\(split.km)"), .text(Format.clock(split.timeS)),
                     .text(onFoot ? Format.pace(split.paceMinPerKm) : Format.speed(split.timeS > 0 ? 3600 / split.timeS : nil)),
                     .text(Format.bpm(split.hrAvg)),
                     .text(split.elevationM.map { ($0.sign == .minus ? "" : "+") + Format.fixed($0, digits: 0) + " m" } ?? "–")]
                })) + "</section>"
        }
        body += "<p><a href=\"../users/\(HTML.hrefComponent(pageName(page.userKey))).html\">← \(HTML.escape(page.userKey))</a></p>"
        return HTML.page(title: "\(sport) — \(Format.local(e.startUTCMillis, offsetMinutes: e.tzOffsetMinutes))",
                         subtitle: "\(page.userKey) · watch's local time · generated \(Format.utc(generatedAt))", body: body)
    }

    /// The summary cards: only what the exercise has; the distance is the watch's when it recorded one, with
    /// polarpipe's GPS distance beside it when they differ by more than 1 %.
    static func summaryCards(_ e: ExerciseRecord, _ st: ExerciseStatistics?) -> [(label: String, value: String)] {
        var cards: [(label: String, value: String)] = [("duration", Format.duration(e.durationS))]
        if let moving = st?.movingTimeS { cards.append(("moving time", Format.duration(moving))) }
        let distance = st?.distanceM ?? e.distanceM
        if let distance { cards.append(("distance", Format.km(distance))) }
        if let distance, let gps = st?.gpsDistanceM, abs(distance - gps) > 0.01 * max(distance, gps) {
            cards.append(("distance (polarpipe, GPS)", Format.km(gps)))
        }
        if distance != nil {
            let onFoot = SportKind(sport: e.sport) == .onFoot
            if onFoot, let pace = st?.paceMinPerKm { cards.append(("pace", Format.pace(pace))) }
            if !onFoot, let speed = st?.avgSpeedKmh { cards.append(("speed", Format.speed(speed))) }
        }
        if let hr = st?.hrAvg { cards.append(("HR avg", Format.bpm(hr))) }
        if let low = st?.hrMin, let high = st?.hrMax { cards.append(("HR min–max", Format.bpmRange(low, high))) }
        if let gain = st?.elevationGainM {
            cards.append(("ascent / descent", Format.number(gain, digits: 0) + " / " + Format.number(st?.elevationLossM, digits: 0) + " m"))
        }
        if let trimp = st?.trimp, (st?.hrSamples ?? 0) > 0 { cards.append(("TRIMP", Format.number(trimp, digits: 0))) }
        if let rmssd = st?.hrvRMSSDMs { cards.append(("HRV (RMSSD)", Format.number(rmssd, digits: 0) + " ms")) }
        if let cadence = st?.power?.cadenceAvg {
            cards.append(("cadence avg / max", Format.number(cadence, digits: 0) + " / " + Format.number(st?.power?.cadenceMax, digits: 0) + " rpm"))
        }
        if let calories = e.calories { cards.append(("calories (watch)", Format.number(calories, digits: 0) + " kcal")) }
        return cards
    }
}
