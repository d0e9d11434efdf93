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
            WITH spans AS (
                SELECT exercise_id, COUNT(*) AS n, MIN(t) AS t0, MAX(t) AS t1 FROM gps_route_points
                WHERE exercise_id IN (SELECT id FROM exercises WHERE user_id = \(userID)) GROUP BY exercise_id),
            chosen AS (
                SELECT e.id, e.start_utc_ms, r.t0, GREATEST(1, FLOOR((r.t1 - r.t0) / \(per))::bigint + 1) AS step,
                    GREATEST(1, FLOOR((r.t1 - r.t0) / GREATEST(r.n - 1, 1) + 0.5)::bigint) AS gap
                FROM exercises e JOIN spans r ON r.exercise_id = e.id
                ORDER BY e.start_utc_ms DESC, e.id DESC LIMIT \(limit))
            SELECT c.id AS exercise_id, array_agg(p.latitude ORDER BY p.t) AS latitude, array_agg(p.longitude ORDER BY p.t) AS longitude
            FROM chosen c JOIN gps_route_points p ON p.exercise_id = c.id
            WHERE FLOOR(p.t - c.t0 + 0.5)::bigint % c.step < c.gap
            GROUP BY c.id, c.start_utc_ms ORDER BY c.start_utc_ms, c.id
            """).map { row in
            RouteSketch(exerciseID: try row.value("exercise_id"), latitude: try row.value("latitude"), longitude: try row.value("longitude"))
        }
    }
}
