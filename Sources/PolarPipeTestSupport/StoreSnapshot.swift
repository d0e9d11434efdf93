import Foundation
import PolarPipeCore

/// Everything a user could check in a database, read through the `PipelineStore` protocol so that any two stores
/// (SQLite, PostgreSQL) can be compared. Rows are keyed by user key and exercise start, never by row ids (which
/// differ between databases), and printed as comparable lines; doubles with a fixed number of digits.
public enum StoreSnapshot {
    public static func of(_ store: any PipelineStore) async throws -> [String] {
        var lines: [String] = []
        let users = try await store.users()
        let keyOf = Dictionary(uniqueKeysWithValues: users.map { ($0.id, $0.userKey) })
        var exerciseKey: [Int64: String] = [:]
        var exercises: [ExerciseRecord] = []
        for id in try await store.allExerciseIDs() {
            guard let e = try await store.exercise(id: id) else { continue }
            exerciseKey[id] = "\(keyOf[e.userID] ?? "?")@\(PolarTime.formatUTC(millis: e.startUTCMillis))"
            exercises.append(e)
        }
        for e in exercises.sorted(by: { exerciseKey[$0.id]! < exerciseKey[$1.id]! }) {
            let key = exerciseKey[e.id]!
            lines.append("exercise \(key) \(e.sport) tz=\(e.tzOffsetMinutes.map(String.init) ?? "-") \(d(e.durationS)) \(d(e.distanceM)) \(d(e.calories))")
            if let s = try await store.exerciseStatistics(exerciseID: e.id) {
                lines.append("stats \(key) hr=\(s.hrSamples) \(d(s.hrMin)) \(d(s.hrMax)) \(d(s.hrAvg)) \(d(s.hrSum)) gps=\(s.gpsPoints) "
                             + "\(d(s.gpsDistanceM)) \(d(s.elevationGainM)) \(d(s.paceMinPerKm)) \(d(s.movingTimeS)) "
                             + "zones=\((s.hrZonesS ?? []).map { d($0) }.joined(separator: ",")) trimp=\(d(s.trimp)) "
                             + "best=\(d(s.best1kmS)),\(d(s.best5kmS)),\(d(s.best10kmS))")
            }
            for split in try await store.splits(exerciseID: e.id) {
                lines.append("split \(key) \(split.km) \(d(split.timeS)) \(d(split.hrAvg)) \(d(split.elevationM))")
            }
            let samples = try await store.samples(exerciseID: e.id)
            lines.append("samples \(key) hr=\(samples.heartRate.count) Σbpm=\(d(samples.heartRate.value.reduce(0, +))) "
                         + "Σt=\(d(samples.heartRate.t.reduce(0, +))) gps=\(samples.route.count) "
                         + "Σlon=\(d(samples.route.longitude.reduce(0, +))) "
                         + "alt=\(samples.route.altitude.filter { !$0.isNaN }.count) speed=\(samples.speed.count) "
                         + "altitude=\(samples.altitude.count) distance=\(samples.distance.count)")
        }
        for u in users {
            lines.append("user \(u.userKey) polar=\(u.polarUserID ?? "-") sex=\(u.physical.sex ?? "-") max=\(d(u.physical.maxHR))")
            if let s = try await store.userStatistics(userID: u.id) {
                lines.append("user-stats \(u.userKey) \(s.totalExercises) \(d(s.totalDistanceM)) \(d(s.totalDurationS)) "
                             + "\(d(s.totalCalories)) \(d(s.avgHR)) \(s.totalHRSamples) \(s.mostCommonSport ?? "-") "
                             + "\(s.firstExerciseAtMillis ?? 0) \(s.lastExerciseAtMillis ?? 0)")
            }
            for w in try await store.userWeekly(userID: u.id) {
                lines.append("user-week \(u.userKey) \(w.week) \(w.monday) \(w.exercises) \(d(w.distanceM)) \(d(w.durationS)) \(d(w.trimp))")
            }
            for day in try await store.userDailyLoad(userID: u.id) {
                lines.append("user-day \(u.userKey) \(day.day) \(d(day.trimp)) \(d(day.ctl)) \(d(day.atl))")
            }
            for r in try await store.userRecords(userID: u.id) {
                lines.append("record \(u.userKey) \(r.sport) \(r.record) \(d(r.value)) \(exerciseKey[r.exerciseID] ?? "?") \(r.achievedAtMillis)")
            }
        }
        if let g = try await store.latestGlobalStatistics() {
            lines.append("global \(g.totalUsers) \(g.totalExercises) \(d(g.totalDistanceM)) \(d(g.totalDurationS)) \(d(g.totalCalories)) "
                         + "\(g.totalHRSamples) \(g.totalGPSPoints) \(g.exercisesLast7d) \(g.exercisesPrev7d) "
                         + g.sportDistribution.map { "\($0.sport):\($0.exercises)" }.joined(separator: ","))
        }
        for w in try await store.globalWeekly() {
            lines.append("global-week \(w.week) \(w.monday) \(w.exercises) \(w.activeUsers) \(d(w.distanceM))")
        }
        return lines
    }

    /// The outcome of each file of the runs, by original path (paths only: row ids differ between databases).
    public static func files(_ store: any PipelineStore) async throws -> [String] {
        var lines: [String] = []
        for run in try await store.runs(limit: 1000) {
            for f in try await store.files(runID: run.runID) {
                lines.append("file \(f.displayName) \(f.status.rawValue) \(f.reason ?? "-") \(f.layout?.rawValue ?? "-") \(f.bytes)")
            }
        }
        return lines.sorted()
    }

    /// Nine significant digits: equal for values that differ only by summation order in the last bits.
    static func d(_ value: Double?) -> String {
        guard let value else { return "nil" }
        return String(format: "%.9g", value)
    }
}
