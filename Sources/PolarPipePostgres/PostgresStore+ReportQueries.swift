import Foundation
import PolarPipeCore
import PostgresNIO

/// `ReportQueryStore` on PostgreSQL: read-only, over the existing tables.
extension PostgresStore: ReportQueryStore {
    public func recordedSummary(exerciseID: Int64) async throws -> RecordedSummary? {
        try await rows("""
            SELECT raw::text AS raw, ascent_m, descent_m, reported_hr_min, reported_hr_avg, reported_hr_max FROM exercises
            WHERE id = \(exerciseID)
            """).first.map { row in
            let hr = ReportedHeartRate(min: try row.value("reported_hr_min"), avg: try row.value("reported_hr_avg"),
                                       max: try row.value("reported_hr_max"))
            return RecordedSummary(raw: try row.value("raw"), ascentM: try row.value("ascent_m"), descentM: try row.value("descent_m"),
                                   reportedHR: hr == ReportedHeartRate() ? nil : hr)
        }
    }

    public func routeSketches(userID: Int64, exercises: Int, pointsPerExercise: Int) async throws -> [RouteSketch] {
        let (limit, per) = RouteSketchBounds.clamped(exercises: exercises, pointsPerExercise: pointsPerExercise)
        // One row of two arrays per exercise, as `samples` reads a route.
        return try await rows("""
            WITH chosen AS (
                SELECT e.id, e.start_utc_ms FROM exercises e
                WHERE e.user_id = \(userID) AND EXISTS (SELECT 1 FROM gps_route_points p WHERE p.exercise_id = e.id)
                ORDER BY e.start_utc_ms DESC, e.id DESC LIMIT \(limit)),
            numbered AS (
                SELECT p.exercise_id, p.latitude, p.longitude,
                    ROW_NUMBER() OVER (PARTITION BY p.exercise_id ORDER BY p.t) - 1 AS k,
                    COUNT(*) OVER (PARTITION BY p.exercise_id) AS n
                FROM gps_route_points p WHERE p.exercise_id IN (SELECT id FROM chosen))
            SELECT x.exercise_id, array_agg(x.latitude ORDER BY x.k) AS latitude, array_agg(x.longitude ORDER BY x.k) AS longitude
            FROM numbered x JOIN chosen c ON c.id = x.exercise_id
            WHERE x.k % ((x.n + \(per) - 1) / \(per)) = 0
            GROUP BY x.exercise_id, c.start_utc_ms ORDER BY c.start_utc_ms, x.exercise_id
            """).map { row in
            RouteSketch(exerciseID: try row.value("exercise_id"), latitude: try row.value("latitude"), longitude: try row.value("longitude"))
        }
    }
}
