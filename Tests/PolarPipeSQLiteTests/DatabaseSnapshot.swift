import GRDB
@testable import PolarPipeSQLite

/// Everything a user could check in the database, keyed by user key and exercise start (not by row ids, which differ
/// between workspaces), as comparable lines.
enum DatabaseSnapshot {
    static func of(_ store: SQLiteStore, files: Bool = true) async throws -> [String] {
        try await store.queue.read { db in
            try String.fetchAll(db, sql: """
                SELECT printf('%s|%s|%d|%s|%s|%s|%.9f|%s|%s|%s|%s|%s|%s|%s|%s|%s', u.user_key, e.start_time_utc, s.hr_samples, s.hr_min,
                    s.hr_max, s.hr_avg, s.hr_sum, s.distance_m, s.gps_distance_m, s.elevation_gain_m, s.pace_min_per_km, s.moving_time_s,
                    s.hr_zone3_s, s.hr_zone5_s, s.trimp, s.best_1km_s)
                FROM exercises e JOIN users u ON u.id = e.user_id JOIN exercise_statistics s ON s.exercise_id = e.id
                ORDER BY u.user_key, e.start_utc_ms
                """)
            + String.fetchAll(db, sql: """
                SELECT printf('%s|%d|%.6f|%.6f|%s|%s|%s', u.user_key, total_exercises, total_distance_m, total_duration_s, avg_hr,
                    most_common_sport, last_exercise_at) FROM user_statistics s JOIN users u ON u.id = s.user_id ORDER BY u.user_key
                """)
            + String.fetchAll(db, sql: """
                SELECT printf('%s|%s|%d|%.6f|%.9f', u.user_key, iso_week, exercises, distance_m, trimp)
                FROM user_weekly_statistics w JOIN users u ON u.id = w.user_id ORDER BY u.user_key, iso_week
                """)
            + String.fetchAll(db, sql: """
                SELECT printf('%s|%s|%.9f|%.9f', u.user_key, day, ctl, atl)
                FROM user_daily_load d JOIN users u ON u.id = d.user_id ORDER BY u.user_key, day
                """)
            + String.fetchAll(db, sql: """
                SELECT printf('%s|%s|%.6f|%s', u.user_key, r.record, r.value, e.start_time_utc)
                FROM user_records r JOIN users u ON u.id = r.user_id JOIN exercises e ON e.id = r.exercise_id ORDER BY u.user_key, r.record
                """)
            + String.fetchAll(db, sql: """
                SELECT printf('%s|%s|%d|%.6f|%s|%s', u.user_key, e.start_time_utc, km, time_s, hr_avg, elevation_m)
                FROM exercise_splits p JOIN exercises e ON e.id = p.exercise_id JOIN users u ON u.id = e.user_id
                ORDER BY u.user_key, e.start_utc_ms, km
                """)
            + String.fetchAll(db, sql: "SELECT printf('%s|%d|%d|%.6f', iso_week, exercises, active_users, distance_m) FROM global_weekly_statistics ORDER BY iso_week")
            + String.fetchAll(db, sql: "SELECT printf('hr %d %d %d', COUNT(*), SUM(bpm), SUM(t)) FROM heart_rate_samples")
            + String.fetchAll(db, sql: "SELECT printf('gps %d %.6f', COUNT(*), SUM(longitude)) FROM gps_route_points")
            + (files ? String.fetchAll(db, sql: "SELECT status || ' ' || original_path || COALESCE(': ' || entry_name, '') AS f FROM ingested_files ORDER BY f") : [])
        }
    }
}
