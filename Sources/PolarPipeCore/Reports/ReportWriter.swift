import Foundation

/// Everything the report pages show, read from the store.
public struct ReportData: Sendable {
    public var global: GlobalStatistics
    public var users: [(user: UserRecord, stats: UserStatistics?)]
    public var runs: [(run: RunRecord, tasks: [TaskInstanceRecord])]
    public var weekly: [WeeklyTotals]
    public var generatedAt: Int64
    public var imports: [ImportReport] = []

    public static func load(from store: any PipelineStore, now: Int64) async throws -> ReportData {
        let latest = try await store.latestGlobalStatistics()
        let global: GlobalStatistics
        if let latest { global = latest } else { global = try await store.computeGlobalStatistics() }
        var users: [(UserRecord, UserStatistics?)] = []
        for user in try await store.users() {
            users.append((user, try await store.userStatistics(userID: user.id)))
        }
        var runs: [(RunRecord, [TaskInstanceRecord])] = []
        for run in try await store.runs(limit: 10) {
            runs.append((run, try await store.taskInstances(runID: run.runID)))
        }
        return ReportData(global: global, users: users, runs: runs, weekly: try await store.globalWeekly(), generatedAt: now,
                          imports: try await ImportReportHTML.recent(runs.map(\.0), store: store))
    }

    /// User keys by user id.
    public var userKeys: [Int64: String] { Dictionary(uniqueKeysWithValues: users.map { ($0.user.id, $0.user.userKey) }) }
}

/// Writes `reports/`: `index.html`, `users/<user-key>.html`, `summary.json`, `summary.csv` (SPEC §5). Pages are
/// self-contained HTML (inline CSS, no scripts, no network) and escape every user-controlled string.
public enum ReportWriter {
    /// Writes the global files and the pages of `userKeys` (all users when nil). Returns the files written.
    @discardableResult
    public static func write(_ data: ReportData, to folder: URL, store: any PipelineStore,
                             userKeys: Set<String>? = nil, exerciseIDs: [Int64]? = nil) async throws -> [URL] {
        var written: [URL] = []
        func put(_ text: String, _ url: URL) throws {
            try FileMoves.writeAtomically(Array(text.utf8), to: url, durable: false)
            written.append(url)
        }
        try put(indexPage(data), folder.appendingPathComponent("index.html"))
        try put(summaryJSON(data), folder.appendingPathComponent("summary.json"))
        try put(summaryCSV(data), folder.appendingPathComponent("summary.csv"))
        for (user, stats) in data.users where userKeys?.contains(user.userKey) ?? true {
            try put(try await userPage(user, stats: stats, store: store, generatedAt: data.generatedAt),
                    folder.appendingPathComponent("users").appendingPathComponent(pageName(user.userKey) + ".html"))
        }
        let keys = data.userKeys
        var ids = exerciseIDs
        if ids == nil { ids = try await store.allExerciseIDs() }
        // A chunk of pages at a time, so memory stays bounded by the chunk, not by the number of exercises.
        var chunk: [ExercisePage] = []
        for id in ids ?? [] {
            guard let exercise = try await store.exercise(id: id) else { continue }
            chunk.append(try await exercisePage(exercise, userKey: keys[exercise.userID] ?? "", samples: try await store.samples(exerciseID: id),
                                                store: store))
            if chunk.count >= exercisePageChunk {
                written += try await writeExercisePages(chunk, generatedAt: data.generatedAt, to: folder)
                chunk.removeAll(keepingCapacity: true)
            }
        }
        written += try await writeExercisePages(chunk, generatedAt: data.generatedAt, to: folder)
        return written
    }

    /// The page of one user, read from the store (also served by `polarpipe serve`).
    public static func userPage(_ user: UserRecord, stats: UserStatistics?, store: any PipelineStore, generatedAt: Int64) async throws -> String {
        let page = UserPage(user: user, stats: stats, recent: try await store.recentExercises(userID: user.id, limit: 10_000),
                            weekly: try await store.userWeekly(userID: user.id), load: try await store.userDailyLoad(userID: user.id),
                            records: try await store.userRecords(userID: user.id))
        return userPage(page, generatedAt: generatedAt)
    }

    /// The page of one exercise, read from the store (also served by `polarpipe serve`).
    public static func exercisePage(_ exercise: ExerciseRecord, userKey: String, store: any PipelineStore, generatedAt: Int64) async throws -> String {
        let page = try await exercisePage(exercise, userKey: userKey, samples: try await store.samples(exerciseID: exercise.id), store: store)
        return exercisePage(page, generatedAt: generatedAt)
    }

    /// How many exercise pages are gathered (with their samples) before they are rendered together.
    public static let exercisePageChunk = 32

    /// An exercise's page content: its statistics and splits from the store, its samples as given (the stored rows,
    /// or the staged samples they were loaded from).
    public static func exercisePage(_ exercise: ExerciseRecord, userKey: String, samples: ExerciseSamples,
                                    store: any PipelineStore) async throws -> ExercisePage {
        ExercisePage(exercise: exercise, userKey: userKey, stats: try await store.exerciseStatistics(exerciseID: exercise.id),
                     samples: samples, splits: try await store.splits(exerciseID: exercise.id))
    }

    /// Renders and writes `reports/exercises/<id>.html` for each page, on all cores (the pages are independent).
    /// Returns the files written, in the order of `pages`.
    public static func writeExercisePages(_ pages: [ExercisePage], generatedAt: Int64, to folder: URL) async throws -> [URL] {
        let urls = pages.map { folder.appendingPathComponent("exercises/\($0.exercise.id).html") }
        let width = max(1, ProcessInfo.processInfo.activeProcessorCount)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (i, page) in pages.enumerated() {
                if i >= width { try await group.next() }
                let url = urls[i]
                group.addTask {
                    try FileMoves.writeAtomically(Array(exercisePage(page, generatedAt: generatedAt).utf8), to: url, durable: false)
                }
            }
            try await group.waitForAll()
        }
        return urls
    }

    /// What an exercise's page shows.
    public struct ExercisePage: Sendable {
        public var exercise: ExerciseRecord
        public var userKey: String
        public var stats: ExerciseStatistics?
        public var samples: ExerciseSamples
        public var splits: [Split]
    }

    public static func exercisePage(_ page: ExercisePage, generatedAt: Int64) -> String {
        let e = page.exercise, st = page.stats
        var body = "<section><h2>Summary</h2>" + HTML.cards([
            ("duration", Format.duration(e.durationS)), ("moving time", Format.duration(st?.movingTimeS)),
            ("distance", Format.km(st?.distanceM)), ("pace", Format.pace(st?.paceMinPerKm)),
            ("speed", Format.number(st?.avgSpeedKmh) + " km/h"), ("HR avg", Format.number(st?.hrAvg)),
            ("HR min–max", st?.hrMin.map { "\(Int($0))–\(Int(st?.hrMax ?? $0))" } ?? "–"),
            ("ascent / descent", (st?.elevationGainM).map { Format.number($0, digits: 0) + " / " + Format.number(st?.elevationLossM, digits: 0) + " m" } ?? "–"),
            ("TRIMP", Format.number(st?.trimp, digits: 0)), ("calories", Format.number(e.calories, digits: 0)),
        ]) + "</section>"
        let route = SampleFilters.validRoute(page.samples.route)
        body += "<section><h2>Route</h2>" + SVGChart.route(title: "Route", latitude: route.latitude, longitude: route.longitude,
                                                           lengthM: st?.gpsDistanceM) + "</section>"
        let hr = SVGChart.downsample(SampleFilters.validHeartRate(page.samples.heartRate), to: 240)
        func minutes(_ s: SampleSeries) -> [String] { s.t.map { String(Int($0 / 60)) } }
        body += "<section><h2>Heart rate</h2>" + SVGChart.lines(title: "Heart rate over time (minutes)", labels: minutes(hr),
                                                              series: [("heart rate", hr.value)], unit: "bpm", includeZero: false) + "</section>"
        let altitudes = route.altitude.contains { !$0.isNaN }
            ? SampleSeries(t: route.t.indices.filter { !route.altitude[$0].isNaN }.map { route.t[$0] }, value: route.altitude.filter { !$0.isNaN })
            : page.samples.altitude
        let elevation = SVGChart.downsample(altitudes, to: 240)
        body += "<section><h2>Elevation</h2>" + SVGChart.lines(title: "Altitude over time (minutes)", labels: minutes(elevation),
                                                              series: [("altitude", elevation.value)], unit: "m", includeZero: false) + "</section>"
        body += "<section><h2>Splits</h2>" + (page.splits.isEmpty ? "<p>No complete kilometre.</p>" : HTML.table(
            [("km", true), ("Time", true), ("Pace", true), ("HR avg", true), ("Elevation", true)],
            page.splits.map { [.text("\($0.km)"), .text(Format.duration($0.timeS)), .text(Format.pace($0.paceMinPerKm)),
                               .text(Format.number($0.hrAvg)), .text($0.elevationM.map { ($0.sign == .minus ? "" : "+") + Format.fixed($0, digits: 0) + " m" } ?? "–")] }))
        if let zones = st?.hrZonesS {
            body += SVGChart.horizontalBars(title: "Time in heart-rate zones", labels: ["Z1", "Z2", "Z3", "Z4", "Z5"],
                                            values: zones.map { $0 / 60 }, unit: "min")
        }
        body += "</section><p><a href=\"../users/\(HTML.hrefComponent(pageName(page.userKey))).html\">← \(HTML.escape(page.userKey))</a></p>"
        return HTML.page(title: "\(e.sport) — \(Format.date(e.startUTCMillis)) UTC",
                         subtitle: "\(page.userKey) · generated \(Format.date(generatedAt)) UTC", body: body)
    }

    /// The file name of a user's page: the user key, percent-encoded when it could not be a file name.
    public static func pageName(_ key: String) -> String {
        if key.contains("/") || key == "." || key == ".." || key.hasPrefix(".") || key.contains("%") || key.isEmpty {
            return key.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "user"
        }
        return key
    }

    /// The last `n` weeks of a weekly table, with week labels like `W05`.
    static func lastWeeks(_ weeks: [WeeklyTotals], _ n: Int) -> [WeeklyTotals] { Array(weeks.suffix(n)) }

    public static func indexPage(_ data: ReportData) -> String {
        let g = data.global
        var body = "<section><h2>Totals</h2>" + HTML.cards([
            ("users", "\(g.totalUsers)"), ("exercises", "\(g.totalExercises)"),
            ("distance", Format.km(g.totalDistanceM)), ("duration", Format.duration(g.totalDurationS)),
            ("calories", Format.number(g.totalCalories, digits: 0)), ("HR samples", "\(g.totalHRSamples)"),
            ("GPS points", "\(g.totalGPSPoints)"), ("last 7 days", "\(g.exercisesLast7d) (prev. \(g.exercisesPrev7d))"),
        ]) + "</section>"
        let weeks = lastWeeks(data.weekly, 26)
        body += "<section><h2>Weekly trend</h2>" + SVGChart.bars(
            title: "Exercises per week", labels: weeks.map { String($0.week.suffix(3)) }, values: weeks.map { Double($0.exercises) },
            unit: "exercises") + SVGChart.bars(
            title: "Distance per week", labels: weeks.map { String($0.week.suffix(3)) }, values: weeks.map { $0.distanceM / 1000 },
            unit: "km", color: SVGChart.palette[1])
            + HTML.table([("Week", false), ("Exercises", true), ("Active users", true), ("Distance", true)],
                         lastWeeks(data.weekly, 8).reversed().map { [.text($0.week), .text("\($0.exercises)"), .text("\($0.activeUsers)"),
                                                                    .text(Format.km($0.distanceM))] }) + "</section>"
        body += "<section><h2>Sports</h2>" + SVGChart.horizontalBars(
            title: "Exercises per sport", labels: g.sportDistribution.map(\.sport), values: g.sportDistribution.map { Double($0.exercises) },
            unit: "") + "</section>"
        body += "<section><h2>Users</h2>" + HTML.table(
            [("User", false), ("Exercises", true), ("Distance", true), ("Duration", true), ("Avg HR", true), ("Most common sport", false), ("Last exercise", false)],
            data.users.map { user, s in
                [.html("<a href=\"users/\(HTML.hrefComponent(pageName(user.userKey))).html\">\(HTML.escape(user.userKey))</a>"),
                 .text("\(s?.totalExercises ?? 0)"), .text(Format.km(s?.totalDistanceM)), .text(Format.duration(s?.totalDurationS)),
                 .text(Format.number(s?.avgHR)), .text(s?.mostCommonSport ?? "–"), .text(Format.date(s?.lastExerciseAtMillis))]
            }) + "</section>"
        body += "<section><h2>Latest runs</h2>" + HTML.table(
            [("Run", false), ("State", false), ("Started (UTC)", false), ("Tasks", false)],
            data.runs.map { run, tasks in
                let latest = Dictionary(grouping: tasks, by: \.taskID).compactMapValues { $0.max { $0.tryNumber < $1.tryNumber } }
                let ok = latest.values.filter { $0.state == .success || $0.state == .skipped }.count
                return [.text(run.runID), .html("<span class=\"state-\(run.state.rawValue)\">\(run.state.rawValue)</span>"),
                        .text(Format.date(run.startedAt)), .text("\(ok)/\(latest.count) done")]
            }) + "</section>"
        body += ImportReportHTML.section(data.imports)
        return HTML.page(title: "polarpipe — training overview",
                         subtitle: "Generated \(Format.date(data.generatedAt)) UTC", body: body)
    }

    /// What a user's page shows.
    public struct UserPage: Sendable {
        public var user: UserRecord
        public var stats: UserStatistics?
        public var recent: [ExerciseOverview]
        public var weekly: [WeeklyTotals]
        public var load: [DailyLoad]
        public var records: [PersonalRecord]
    }

    public static func userPage(_ page: UserPage, generatedAt: Int64) -> String {
        let s = page.stats, user = page.user
        var body = "<section><h2>Totals</h2>" + HTML.cards([
            ("exercises", "\(s?.totalExercises ?? 0)"), ("distance", Format.km(s?.totalDistanceM)),
            ("duration", Format.duration(s?.totalDurationS)), ("calories", Format.number(s?.totalCalories, digits: 0)),
            ("average distance", Format.km(s?.avgDistanceM)), ("average duration", Format.duration(s?.avgDurationS)),
            ("average HR", Format.number(s?.avgHR)), ("most common sport", s?.mostCommonSport ?? "–"),
        ]) + "</section>"
        let weeks = lastWeeks(page.weekly, 26)
        body += "<section><h2>Weekly volume</h2>" + SVGChart.bars(
            title: "Distance per week", labels: weeks.map { String($0.week.suffix(3)) }, values: weeks.map { $0.distanceM / 1000 }, unit: "km")
            + SVGChart.bars(title: "Training time per week", labels: weeks.map { String($0.week.suffix(3)) },
                            values: weeks.map { $0.durationS / 3600 }, unit: "h", color: SVGChart.palette[1]) + "</section>"
        var zones = [Double](repeating: 0, count: 5)
        for o in page.recent { for (i, z) in (o.stats?.hrZonesS ?? []).enumerated() where i < 5 { zones[i] += z / 60 } }
        body += "<section><h2>Heart-rate zones</h2>" + SVGChart.horizontalBars(
            title: "Time in heart-rate zones (% of max HR)",
            labels: ["Z1 50–60 %", "Z2 60–70 %", "Z3 70–80 %", "Z4 80–90 %", "Z5 90 %+"], values: zones, unit: "min") + "</section>"
        let days = Array(page.load.suffix(120))
        body += "<section><h2>Fitness, fatigue and form</h2>" + SVGChart.lines(
            title: "Fitness (CTL 42 d), fatigue (ATL 7 d) and form (TSB) from daily TRIMP",
            labels: days.map { String(PolarTime.format(millis: Int64($0.day) * 86_400_000).dropFirst(5).prefix(5)) },
            series: [("fitness", days.map(\.ctl)), ("fatigue", days.map(\.atl)), ("form", days.map(\.tsb))], unit: "TRIMP")
            + "</section>"
        let recordOrder = ["longest_distance", "longest_duration", "fastest_1km", "fastest_5km", "fastest_10km"]
        let recordNames = ["longest_distance": "Longest distance", "longest_duration": "Longest duration",
                           "fastest_1km": "Fastest 1 km", "fastest_5km": "Fastest 5 km", "fastest_10km": "Fastest 10 km"]
        body += "<section><h2>Personal records</h2>" + (page.records.isEmpty ? "<p>No records yet.</p>" : HTML.table(
            [("Record", false), ("Value", true), ("When (UTC)", false)],
            page.records.sorted { (recordOrder.firstIndex(of: $0.record) ?? 9) < (recordOrder.firstIndex(of: $1.record) ?? 9) }.map { r in
                let value = r.record == "longest_distance" ? Format.km(r.value) : Format.duration(r.value)
                return [.text(recordNames[r.record] ?? r.record), .text(value),
                        .html("<a href=\"../exercises/\(r.exerciseID).html\">\(HTML.escape(Format.date(r.achievedAtMillis)))</a>")]
            })) + "</section>"
        body += "<section><h2>Recent exercises</h2>" + HTML.table(
            [("Start (UTC)", false), ("Sport", false), ("Duration", true), ("Moving", true), ("Distance", true), ("Pace", true),
             ("HR avg", true), ("HR min–max", true), ("Ascent", true), ("TRIMP", true)],
            page.recent.prefix(50).map { o in
                let st = o.stats
                let range = st?.hrMin.map { "\(Int($0))–\(Int(st?.hrMax ?? $0))" } ?? "–"
                return [.html("<a href=\"../exercises/\(o.exercise.id).html\">\(HTML.escape(Format.date(o.exercise.startUTCMillis)))</a>"),
                        .text(o.exercise.sport),
                        .text(Format.duration(o.exercise.durationS)), .text(Format.duration(st?.movingTimeS)),
                        .text(Format.km(st?.distanceM)), .text(Format.pace(st?.paceMinPerKm)), .text(Format.number(st?.hrAvg)),
                        .text(range), .text(st?.elevationGainM.map { Format.number($0, digits: 0) + " m" } ?? "–"),
                        .text(Format.number(st?.trimp, digits: 0))]
            }) + "</section>"
        let p = user.physical
        body += "<section><h2>Profile</h2>" + HTML.cards([
            ("sex", p.sex ?? "–"), ("birthday", p.birthday ?? "–"), ("height", Format.number(p.heightCm, digits: 0) + " cm"),
            ("weight", Format.number(p.weightKg) + " kg"), ("max HR", Format.number(p.maxHR, digits: 0)),
            ("resting HR", Format.number(p.restingHR, digits: 0)), ("VO2max", Format.number(p.vo2max, digits: 0)),
        ]) + "</section><p><a href=\"../index.html\">← all users</a></p>"
        return HTML.page(title: "polarpipe — \(user.userKey)", subtitle: "Generated \(Format.date(generatedAt)) UTC", body: body)
    }

    public static func summaryJSON(_ data: ReportData) -> String {
        struct UserRow: Encodable {
            var user_key: String
            var total_exercises: Int
            var total_distance_m: Double
            var total_duration_s: Double
            var total_calories: Double
            var avg_distance_m: Double?
            var avg_duration_s: Double?
            var avg_hr: Double?
            var most_common_sport: String?
            var first_exercise_at: String?
            var last_exercise_at: String?
        }
        struct Global: Encodable {
            var total_users: Int, total_exercises: Int, total_distance_m: Double, total_duration_s: Double
            var total_calories: Double, total_hr_samples: Int, total_gps_points: Int
            var exercises_last_7d: Int, exercises_prev_7d: Int
        }
        struct Summary: Encodable {
            var generated_at: String
            var global: Global
            var users: [UserRow]
        }
        let g = data.global
        let summary = Summary(
            generated_at: PolarTime.formatUTC(millis: data.generatedAt),
            global: Global(total_users: g.totalUsers, total_exercises: g.totalExercises, total_distance_m: g.totalDistanceM,
                           total_duration_s: g.totalDurationS, total_calories: g.totalCalories, total_hr_samples: g.totalHRSamples,
                           total_gps_points: g.totalGPSPoints, exercises_last_7d: g.exercisesLast7d, exercises_prev_7d: g.exercisesPrev7d),
            users: data.users.map { u, s in
                UserRow(user_key: u.userKey, total_exercises: s?.totalExercises ?? 0, total_distance_m: s?.totalDistanceM ?? 0,
                        total_duration_s: s?.totalDurationS ?? 0, total_calories: s?.totalCalories ?? 0,
                        avg_distance_m: s?.avgDistanceM, avg_duration_s: s?.avgDurationS, avg_hr: s?.avgHR,
                        most_common_sport: s?.mostCommonSport,
                        first_exercise_at: s?.firstExerciseAtMillis.map(PolarTime.formatUTC),
                        last_exercise_at: s?.lastExerciseAtMillis.map(PolarTime.formatUTC))
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(summary), as: UTF8.self)) ?? "{}"
    }

    public static func summaryCSV(_ data: ReportData) -> String {
        func field(_ s: String) -> String {
            var s = s
            // Cells starting with a formula character are prefixed so spreadsheets do not evaluate them.
            if let first = s.first, "=+-@".contains(first) { s = "'" + s }
            return s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        func num(_ v: Double?) -> String { v.map { Format.fixed($0, digits: 3) } ?? "" }
        var lines = ["user_key,total_exercises,total_distance_m,total_duration_s,total_calories,avg_distance_m,avg_duration_s,avg_hr,most_common_sport,first_exercise_at,last_exercise_at"]
        for (u, s) in data.users {
            lines.append([field(u.userKey), "\(s?.totalExercises ?? 0)", num(s?.totalDistanceM ?? 0), num(s?.totalDurationS ?? 0),
                          num(s?.totalCalories ?? 0), num(s?.avgDistanceM), num(s?.avgDurationS), num(s?.avgHR),
                          field(s?.mostCommonSport ?? ""), s?.firstExerciseAtMillis.map(PolarTime.formatUTC) ?? "",
                          s?.lastExerciseAtMillis.map(PolarTime.formatUTC) ?? ""].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
