import Foundation

extension ReportWriter {
    /// What a user's page shows.
    public struct UserPage: Sendable {
        public var user: UserRecord
        public var stats: UserStatistics?
        /// The user's exercises, newest first.
        public var recent: [ExerciseOverview]
        public var weekly: [WeeklyTotals]
        public var load: [DailyLoad]
        /// The stored `user_records`, over all the user's exercises (not only `recent`), power records among them.
        public var records: [PersonalRecord]
        /// A sketch of the user's routes for the heatmap (`PipelineStore.routeSketches`), and the map to draw it on.
        public var routes: [RouteSketch] = []
        public var mapTiles: MapTiles? = nil
        /// Minutes east of UTC of the exercises that set a record but are not among `recent` (nil when unknown), so
        /// that an old record shows its local time too.
        public var recordOffsets: [Int64: Int?] = [:]
    }

    /// What the heart-rate sections say when no exercise had a max HR to compute zones and TRIMP with.
    static let maxHRNote = "Heart-rate zones and training load need your max HR: polarpipe takes it from the physical "
        + "information in your Polar export (maximum heart rate, or 220 − age from your birthday). Set them in your Polar "
        + "account and export again to see zones."

    public static func userPage(_ page: UserPage, generatedAt: Int64) -> String {
        let s = page.stats, user = page.user
        var body = "<section><h2>Totals</h2>" + HTML.cards([
            ("exercises", "\(s?.totalExercises ?? 0)"), ("distance", Format.km(s?.totalDistanceM)),
            ("duration", Format.duration(s?.totalDurationS)), ("calories", Format.number(s?.totalCalories, digits: 0) + " kcal"),
            ("average distance", Format.km(s?.avgDistanceM)), ("average duration", Format.duration(s?.avgDurationS)),
            ("average HR", Format.bpm(s?.avgHR)), ("most common sport", s?.mostCommonSport.map(SportNames.displayName) ?? "–"),
        ]) + "</section>"
        guard let newest = page.recent.first else {
            body += "<section><h2>Exercises</h2>" + HTML.note("No exercise loaded for this athlete yet.") + "</section>"
            return HTML.page(title: "polarpipe — \(user.userKey)", subtitle: "Generated \(Format.utc(generatedAt))",
                             body: body + profile(user) + "<p><a href=\"../index.html\">← all users</a></p>")
        }
        let lastDay = CalendarSeries.localDay(newest)
        body += calendarSection(page, lastDay: lastDay)
        body += sportSections(page, lastDay: lastDay)
        body += heatmapSection(page)
        body += zonesAndLoad(page)
        body += "<section><h2>Recent exercises</h2><p class=\"muted\">Start times are the watch's local time.</p>" + HTML.table(
            [("Start", false), ("Sport", false), ("Duration", true), ("Distance", true), ("Pace / speed", true), ("HR avg", true),
             ("Ascent", true), ("TRIMP", true)],
            page.recent.prefix(50).map { o in
                let st = o.stats, e = o.exercise
                return [.html("<a href=\"../exercises/\(e.id).html\">\(HTML.escape(Format.local(e.startUTCMillis, offsetMinutes: e.tzOffsetMinutes)))</a>"),
                        .text(SportNames.displayName(e.sport)), .text(Format.duration(e.durationS)),
                        .text(Format.km(CalendarSeries.distance(o))),
                        .text(Format.tempo(sport: e.sport, paceMinPerKm: st?.paceMinPerKm, speedKmh: st?.avgSpeedKmh)),
                        .text(Format.bpm(st?.hrAvg)), .text(st?.elevationGainM.map { Format.number($0, digits: 0) + " m" } ?? "–"),
                        .text(Format.number(st?.trimp, digits: 0))]
            }) + "</section>"
        body += profile(user) + "<p><a href=\"../index.html\">← all users</a></p>"
        return HTML.page(title: "polarpipe — \(user.userKey)", subtitle: "Generated \(Format.utc(generatedAt))", body: body)
    }

    /// Training time per week over the last 52 weeks (all sports), this year against last year by month, and years.
    static func calendarSection(_ page: UserPage, lastDay: Int) -> String {
        let count = CalendarSeries.windowWeeks(page.weekly, endingAt: lastDay)
        let weeks = CalendarSeries.weeks(page.weekly, endingAt: lastDay, count: count)
        let year = PolarTime.civilFromDays(lastDay).year
        let hours = { (o: ExerciseOverview) in o.exercise.durationS / 3600 }
        var s = "<section><h2>Training calendar</h2><p class=\"muted\">The \(count) weeks up to the newest exercise "
            + "(\(HTML.escape(CalendarSeries.dayName(lastDay)))), weeks without training included.</p>"
        s += SVGChart.bars(title: "Training time per week, all sports", labels: weeks.map(\.label), values: weeks.map { $0.durationS / 3600 },
                           unit: "h", color: SVGChart.palette[1], axisLabels: CalendarSeries.axisLabels(weeks))
        s += SVGChart.groupedBars(title: "Training time per month, \(year) against \(year - 1)", labels: CalendarSeries.monthNames,
                                  series: [("\(year - 1)", CalendarSeries.months(page.recent, year: year - 1, value: hours)),
                                           ("\(year)", CalendarSeries.months(page.recent, year: year, value: hours))], unit: "h")
        return s + yearTable(CalendarSeries.years(CalendarSeries.weeklyRows(page.recent))) + "</section>"
    }

    /// One section per sport, the most frequent first: totals, weekly volume (distance when the sport has
    /// distances, else time) and the sport's records.
    static func sportSections(_ page: UserPage, lastDay: Int) -> String {
        let count = CalendarSeries.windowWeeks(page.weekly, endingAt: lastDay)
        let bySport = Dictionary(grouping: page.recent, by: \.exercise.sport)
        let sports = bySport.keys.sorted { (bySport[$0]?.count ?? 0, $1) > (bySport[$1]?.count ?? 0, $0) }
        let power = page.records.filter { PowerRecords.isPower($0.record) }
        // Said once, in the first cycling section, when no ride has power.
        var powerNote = !power.contains { SportKind(sport: $0.sport) == .cycling }
            ? HTML.note("No ride has power samples: power records (best 20 min power, normalized power) need a power meter.") : ""
        var s = sports.count > 1
            ? "<nav class=\"sports\">Sports: " + sports.map { "<a href=\"#sport-\(HTML.hrefComponent($0))\">\(HTML.escape(SportNames.displayName($0)))</a>" }
                .joined(separator: " · ") + "</nav>"
            : ""
        for sport in sports {
            let list = bySport[sport] ?? []
            let name = SportNames.displayName(sport)
            let distance = list.compactMap(CalendarSeries.distance).reduce(0, +)
            let duration = list.map(\.exercise.durationS).reduce(0, +)
            let moving = list.map { $0.stats?.movingTimeS ?? $0.exercise.durationS }.reduce(0, +)
            let hr = list.compactMap { o in o.stats?.hrAvg.map { ($0, o.exercise.durationS) } }
            let hrAvg = hr.isEmpty ? nil : hr.map { $0.0 * $0.1 }.reduce(0, +) / max(1e-9, hr.map(\.1).reduce(0, +))
            var cards: [(String, String)] = [("exercises", "\(list.count)"), ("duration", Format.duration(duration))]
            if distance > 0 {
                cards.append(("distance", Format.km(distance)))
                cards.append(SportKind(sport: sport) == .onFoot
                             ? ("average pace", Format.pace(moving / 60 / (distance / 1000)))
                             : ("average speed", Format.speed(distance / 1000 / (moving / 3600))))
            }
            cards.append(("average HR", Format.bpm(hrAvg)))
            let weeks = CalendarSeries.weeks(CalendarSeries.weeklyRows(list), endingAt: lastDay, count: count)
            let newest = list.map(CalendarSeries.localDay).max() ?? lastDay
            let chart = weeks.allSatisfy({ $0.exercises == 0 })
                ? HTML.note("No \(name.lowercased()) in these \(count) weeks; the last was on \(CalendarSeries.dayName(newest)).")
                : distance > 0
                ? SVGChart.bars(title: "\(name): distance per week", labels: weeks.map(\.label), values: weeks.map { $0.distanceM / 1000 },
                                unit: "km", axisLabels: CalendarSeries.axisLabels(weeks))
                : SVGChart.bars(title: "\(name): time per week", labels: weeks.map(\.label), values: weeks.map { $0.durationS / 3600 },
                                unit: "h", axisLabels: CalendarSeries.axisLabels(weeks))
            var note = ""
            if SportKind(sport: sport) == .cycling { (note, powerNote) = (powerNote, "") }
            s += "<section id=\"sport-\(HTML.escape(HTML.hrefComponent(sport)))\"><h2>\(HTML.escape(name))</h2>" + HTML.cards(cards) + chart
                + recordsTable(page.records.filter { $0.sport == sport }, exercises: list, otherOffsets: page.recordOffsets) + note + "</section>"
        }
        return s
    }

    /// A sport's personal records, linked to the exercise that set each, at its local start time (the offsets of
    /// `exercises`, else of `otherOffsets`, else UTC).
    static func recordsTable(_ records: [PersonalRecord], exercises: [ExerciseOverview], otherOffsets: [Int64: Int?] = [:]) -> String {
        guard !records.isEmpty else { return "" }
        let offsets = Dictionary(exercises.map { ($0.exercise.id, $0.exercise.tzOffsetMinutes) }, uniquingKeysWith: { a, _ in a })
            .merging(otherOffsets, uniquingKeysWith: { a, _ in a })
        return "<h3>Records</h3>" + HTML.table(
            [("Record", false), ("Value", true), ("When", false)],
            records.sorted { $0.displayRank < $1.displayRank }.map { r in
                [.text(r.title), .text(r.formattedValue),
                 .html("<a href=\"../exercises/\(r.exerciseID).html\">"
                       + HTML.escape(offsets[r.exerciseID].map { Format.local(r.achievedAtMillis, offsetMinutes: $0) } ?? Format.utc(r.achievedAtMillis))
                       + "</a>")]
            })
    }

    /// The heatmap of the user's routes, with what it left out, or why there is none.
    static func heatmapSection(_ page: UserPage) -> String {
        var s = "<section><h2>Where you train</h2>"
        guard let drawing = RouteHeatmap.draw(page.routes, tiles: page.mapTiles) else {
            return s + HTML.note("No exercise has a GPS route: the heatmap of your routes appears once a session recorded with GPS is loaded.")
                + "</section>"
        }
        let withRoute = page.recent.filter { ($0.stats?.gpsPoints ?? 0) > 0 }.count
        var caption = "\(drawing.drawn) route\(drawing.drawn == 1 ? "" : "s"), darker where more of them pass"
        if withRoute > page.routes.count { caption += " (the newest \(page.routes.count) of \(withRoute) exercises with a route)" }
        if drawing.elsewhere > 0 {
            caption += "; \(drawing.elsewhere) route\(drawing.elsewhere == 1 ? "" : "s") elsewhere (never within "
                + Format.fixed(RouteHeatmap.areaRadiusM / 1000, digits: 0) + " km of the others) not drawn"
        }
        s += "<p class=\"muted\">" + HTML.escape(caption + ".") + "</p>" + drawing.svg
        return s + sportHeatmaps(page) + "</section>"
    }

    /// At most this many sports get a heatmap of their own.
    static let heatmapSports = 6

    /// When the routes are of more than one sport: a heatmap per sport (the sports with the most routes first),
    /// each folded under its name, so a runner's streets are not hidden under the rides.
    static func sportHeatmaps(_ page: UserPage) -> String {
        var sportOf: [Int64: String] = [:]
        for o in page.recent { sportOf[o.exercise.id] = o.exercise.sport }
        var bySport: [String: [RouteSketch]] = [:]
        for route in page.routes { bySport[sportOf[route.exerciseID] ?? "UNKNOWN", default: []].append(route) }
        guard bySport.count > 1 else { return "" }
        let sports = bySport.sorted { ($0.value.count, $1.key) > ($1.value.count, $0.key) }.prefix(heatmapSports)
        var s = "<h3>Per sport</h3>"
        for (sport, routes) in sports {
            guard let drawing = RouteHeatmap.draw(routes, tiles: page.mapTiles) else { continue }
            s += "<details class=\"heatmap-sport\"><summary>" + HTML.escape("\(SportNames.displayName(sport)): \(drawing.drawn) route"
                + (drawing.drawn == 1 ? "" : "s")) + "</summary>" + drawing.svg + "</details>"
        }
        return s
    }

    /// Time in heart-rate zones over all exercises, and fitness, fatigue and form, or why they cannot be shown.
    static func zonesAndLoad(_ page: UserPage) -> String {
        var zones = [Double](repeating: 0, count: 5)
        for o in page.recent { for (i, z) in (o.stats?.hrZonesS ?? []).enumerated() where i < 5 { zones[i] += z / 60 } }
        let hasHR = page.recent.contains { ($0.stats?.hrSamples ?? 0) > 0 }
        let why = hasHR ? maxHRNote : "No exercise has heart-rate samples: zones and training load need a heart-rate sensor."
        var s = "<section><h2>Heart-rate zones</h2>"
        s += zones.contains(where: { $0 > 0 }) ? SVGChart.horizontalBars(
            title: "Time in heart-rate zones (% of max HR)",
            labels: ["Z1 50–60 %", "Z2 60–70 %", "Z3 70–80 %", "Z4 80–90 %", "Z5 90 %+"], values: zones, unit: "min") : HTML.note(why)
        s += "</section>"
        // The load runs to today; when training stopped long ago, the window ends 60 days after its last day (the
        // decay is visible, months of zeros are not).
        let end = page.load.lastIndex { $0.trimp > 0 }.map { min(page.load.count, $0 + 61) } ?? page.load.count
        let days = Array(page.load[max(0, end - 120) ..< end])
        let through = days.last.map { PolarTime.format(millis: Int64($0.day) * 86_400_000).prefix(10) } ?? ""
        s += "<section><h2>Fitness, fatigue and form</h2>"
        s += days.contains(where: { $0.trimp > 0 }) ? SVGChart.lines(
            title: "Fitness (CTL 42 d), fatigue (ATL 7 d) and form (TSB) from daily TRIMP, 120 days to \(through)",
            labels: days.map { CalendarSeries.dayName($0.day) }, axisLabels: CalendarSeries.dayAxisLabels(days.map(\.day)),
            series: [("fitness", days.map(\.ctl)), ("fatigue", days.map(\.atl)), ("form", days.map(\.tsb))], unit: "TRIMP")
            : HTML.note(why)
        return s + "</section>"
    }

    /// The athlete's physical information.
    static func profile(_ user: UserRecord) -> String {
        let p = user.physical
        return "<section><h2>Profile</h2>" + HTML.cards([
            ("sex", p.sex.map(SportNames.displayName) ?? "–"), ("birthday", p.birthday ?? "–"),
            ("height", p.heightCm.map { Format.number($0, digits: 0) + " cm" } ?? "–"),
            ("weight", p.weightKg.map { Format.number($0) + " kg" } ?? "–"), ("max HR", Format.bpm(p.maxHR)),
            ("resting HR", Format.bpm(p.restingHR)), ("VO2max", Format.number(p.vo2max, digits: 0)),
        ]) + "</section>"
    }
}
