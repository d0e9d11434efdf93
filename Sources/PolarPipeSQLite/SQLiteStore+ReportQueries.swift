import Foundation
import GRDB
import PolarPipeCore

/// `ReportQueryStore` on SQLite: read-only, over the existing tables.
extension SQLiteStore: ReportQueryStore {
    public func recordedSummary(exerciseID: Int64) async throws -> RecordedSummary? {
        try await queue.unsafeRead { db in
            try Row.fetchOne(try db.cachedStatement(sql: """
                SELECT raw, ascent_m, descent_m, reported_hr_min, reported_hr_avg, reported_hr_max FROM exercises WHERE id = ?
                """), arguments: [exerciseID]).map { row in
                let hr = ReportedHeartRate(min: row["reported_hr_min"], avg: row["reported_hr_avg"], max: row["reported_hr_max"])
                return RecordedSummary(raw: row["raw"], ascentM: row["ascent_m"], descentM: row["descent_m"],
                                       reportedHR: hr == ReportedHeartRate() ? nil : hr)
            }
        }
    }

    public func routeSketches(userID: Int64, exercises: Int, pointsPerExercise: Int) async throws -> [RouteSketch] {
        let (limit, per) = RouteSketchBounds.clamped(exercises: exercises, pointsPerExercise: pointsPerExercise)
        return try await queue.read { db in
            var sketches: [RouteSketch] = []
            let rows = try Row.fetchCursor(try db.cachedStatement(sql: """
                WITH chosen AS (
                    SELECT e.id, e.start_utc_ms FROM exercises e
                    WHERE e.user_id = ? AND EXISTS (SELECT 1 FROM gps_route_points p WHERE p.exercise_id = e.id)
                    ORDER BY e.start_utc_ms DESC, e.id DESC LIMIT ?),
                numbered AS (
                    SELECT p.exercise_id, p.latitude, p.longitude,
                        ROW_NUMBER() OVER (PARTITION BY p.exercise_id ORDER BY p.t) - 1 AS k,
                        COUNT(*) OVER (PARTITION BY p.exercise_id) AS n
                    FROM gps_route_points p WHERE p.exercise_id IN (SELECT id FROM chosen))
                SELECT x.exercise_id, x.latitude, x.longitude FROM numbered x JOIN chosen c ON c.id = x.exercise_id
                WHERE x.k % ((x.n + ? - 1) / ?) = 0 ORDER BY c.start_utc_ms, c.id, x.k
                """), arguments: [userID, limit, per, per])
            while let row = try rows.next() {
                let id: Int64 = row["exercise_id"]
                if sketches.last?.exerciseID != id { sketches.append(RouteSketch(exerciseID: id, latitude: [], longitude: [])) }
                sketches[sketches.count - 1].latitude.append(row["latitude"])
                sketches[sketches.count - 1].longitude.append(row["longitude"])
            }
            return sketches
        }
    }
}
