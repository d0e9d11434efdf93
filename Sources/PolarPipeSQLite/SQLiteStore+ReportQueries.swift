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
            // No window function: SQLite sorts a whole partition for ROW_NUMBER (3 s for 540 000 points); this scans the
            // points once with integer arithmetic (0.4 s) and sorts only those kept.
            let rows = try Row.fetchCursor(try db.cachedStatement(sql: """
                WITH spans AS (
                    SELECT exercise_id, COUNT(*) AS n, MIN(t) AS t0, MAX(t) AS t1 FROM gps_route_points
                    WHERE exercise_id IN (SELECT id FROM exercises WHERE user_id = ?) GROUP BY exercise_id),
                chosen AS (
                    SELECT e.id, e.start_utc_ms, r.t0, MAX(1, CAST((r.t1 - r.t0) / ? AS INTEGER) + 1) AS step,
                        MAX(1, CAST((r.t1 - r.t0) / MAX(r.n - 1, 1) + 0.5 AS INTEGER)) AS gap
                    FROM exercises e JOIN spans r ON r.exercise_id = e.id
                    ORDER BY e.start_utc_ms DESC, e.id DESC LIMIT ?)
                SELECT c.id AS exercise_id, p.latitude, p.longitude FROM chosen c JOIN gps_route_points p ON p.exercise_id = c.id
                WHERE CAST(p.t - c.t0 + 0.5 AS INTEGER) % c.step < c.gap
                ORDER BY c.start_utc_ms, c.id, p.t
                """), arguments: [userID, per, limit])
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
