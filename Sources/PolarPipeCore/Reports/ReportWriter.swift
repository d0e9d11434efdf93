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
    /// Writes the global files and the pages of `userKeys` (all users when nil); exercise pages draw routes on
    /// `mapTiles` when given. Returns the files written.
    @discardableResult
    public static func write(_ data: ReportData, to folder: URL, store: any PipelineStore,
                             userKeys: Set<String>? = nil, exerciseIDs: [Int64]? = nil, mapTiles: MapTiles? = nil) async throws -> [URL] {
        var written: [URL] = []
        func put(_ text: String, _ url: URL) throws {
            try FileMoves.writeAtomically(Array(text.utf8), to: url, durable: false)
            written.append(url)
        }
        try put(indexPage(data), folder.appendingPathComponent("index.html"))
        try put(summaryJSON(data), folder.appendingPathComponent("summary.json"))
        try put(summaryCSV(data), folder.appendingPathComponent("summary.csv"))
        for (user, stats) in data.users where userKeys?.contains(user.userKey) ?? true {
            try put(try await userPage(user, stats: stats, store: store, generatedAt: data.generatedAt, mapTiles: mapTiles),
                    folder.appendingPathComponent("users").appendingPathComponent(pageName(user.userKey) + ".html"))
        }
        var ids = exerciseIDs ?? []
        if exerciseIDs == nil { ids = try await store.allExerciseIDs() }
        written += try await writeStoredExercisePages(ids, userKeys: data.userKeys, generatedAt: data.generatedAt, to: folder,
                                                      store: store, mapTiles: mapTiles)
        return written
    }

    /// Writes the pages of the exercises `ids` from their stored rows, a chunk of pages at a time, so memory stays
    /// bounded by the chunk, not by the number of exercises. Returns the files written.
    public static func writeStoredExercisePages(_ ids: [Int64], userKeys keys: [Int64: String], generatedAt: Int64, to folder: URL,
                                                store: any PipelineStore, mapTiles: MapTiles?) async throws -> [URL] {
        var written: [URL] = []
        var chunk: [ExercisePage] = []
        for id in ids {
            guard let exercise = try await store.exercise(id: id) else { continue }
            chunk.append(try await exercisePage(exercise, userKey: keys[exercise.userID] ?? "", samples: try await store.samples(exerciseID: id),
                                                store: store, mapTiles: mapTiles))
            if chunk.count >= exercisePageChunk {
                written += try await writeExercisePages(chunk, generatedAt: generatedAt, to: folder)
                chunk.removeAll(keepingCapacity: true)
            }
        }
        written += try await writeExercisePages(chunk, generatedAt: generatedAt, to: folder)
        return written
    }

    /// How many of a user's newest exercises their page reads for its calendar, sport sections and exercise list.
    public static let userPageExercises = 10_000

    /// The page of one user, read from the store (also served by `polarpipe serve`): the newest `exercises` of the
    /// user, and the records stored over all of them. The heatmap is drawn on `mapTiles` when given.
    public static func userPage(_ user: UserRecord, stats: UserStatistics?, store: any PipelineStore, generatedAt: Int64,
                                mapTiles: MapTiles? = nil, exercises: Int = userPageExercises) async throws -> String {
        let recent = try await store.recentExercises(userID: user.id, limit: max(1, exercises))
        let records = try await store.userRecords(userID: user.id)
        var page = UserPage(user: user, stats: stats, recent: recent,
                            weekly: try await store.userWeekly(userID: user.id), load: try await store.userDailyLoad(userID: user.id),
                            records: records,
                            routes: try await store.routeSketches(userID: user.id, exercises: RouteHeatmap.maxExercises,
                                                                  pointsPerExercise: RouteHeatmap.pointsPerExercise),
                            mapTiles: mapTiles)
        let shown = Set(recent.map(\.exercise.id))
        for id in Set(records.map(\.exerciseID)).subtracting(shown).sorted() {
            if let e = try await store.exercise(id: id) { page.recordOffsets[id] = .some(e.tzOffsetMinutes) }
        }
        return userPage(page, generatedAt: generatedAt)
    }

    /// The page of one exercise, read from the store (also served by `polarpipe serve`).
    public static func exercisePage(_ exercise: ExerciseRecord, userKey: String, store: any PipelineStore, generatedAt: Int64,
                                    mapTiles: MapTiles? = nil) async throws -> String {
        let page = try await exercisePage(exercise, userKey: userKey, samples: try await store.samples(exerciseID: exercise.id), store: store,
                                          mapTiles: mapTiles)
        return exercisePage(page, generatedAt: generatedAt)
    }

    /// How many exercise pages are gathered (with their samples) before they are rendered together.
    public static let exercisePageChunk = 32

    /// An exercise's page content: its statistics and splits from the store, its samples as given (the stored rows,
    /// or the staged samples they were loaded from).
    public static func exercisePage(_ exercise: ExerciseRecord, userKey: String, samples: ExerciseSamples,
                                    store: any PipelineStore, mapTiles: MapTiles? = nil) async throws -> ExercisePage {
        ExercisePage(exercise: exercise, userKey: userKey, stats: try await store.exerciseStatistics(exerciseID: exercise.id),
                     samples: samples, splits: try await store.splits(exerciseID: exercise.id), mapTiles: mapTiles,
                     recorded: try await store.recordedSummary(exerciseID: exercise.id))
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
        /// The tile server the route is drawn on; nil: no map.
        public var mapTiles: MapTiles? = nil
        /// What the exercise's file reported itself (its raw summary), for the watch's figures beside polarpipe's.
        public var recorded: RecordedSummary? = nil
    }

    /// The file name of a user's page: the user key, percent-encoded when it could not be a file name.
    public static func pageName(_ key: String) -> String {
        if key.contains("/") || key == "." || key == ".." || key.hasPrefix(".") || key.contains("%") || key.isEmpty {
            return key.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "user"
        }
        return key
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
