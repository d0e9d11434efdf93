import Foundation
import GRDB
import Testing
import PolarPipeCore
import PolarPipeTestSupport
@testable import PolarPipeSQLite

/// Real and generated TCX, GPX and Polar Flow CSV files go through the whole DAG into a real SQLite file.
@Suite(.serialized, .timeLimit(.minutes(5))) struct TextFormatsPipelineTests {
    /// Runs the DAG over the workspace's inbox; the run succeeds and quarantines nothing.
    static func loadEverything(_ tmp: TemporaryWorkspace, runID: String) async throws -> SQLiteStore {
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        let outcome = try await makeRunner(tmp, store).run(runID: runID).outcome
        #expect(outcome.state == .success, "\(outcome)")
        #expect(tmp.files(under: tmp.workspace.quarantine).isEmpty)
        return store
    }

    @Test func theRealTCXGPXAndCSVFilesLoadWithTheirStatistics() async throws {
        let tmp = try TemporaryWorkspace()
        defer { tmp.remove() }
        // The TCX and the CSV are one session: for one athlete the second is a duplicate (below), so the CSV goes to
        // another athlete here.
        for (user, name) in [("athlete-01", "tracs__200000.tcx"), ("athlete-02", "tracs__200000.csv"), ("athlete-01", "tracs__100001.gpx")] {
            _ = try tmp.drop(Data(try RealSamples.bytes(named: name)), at: "\(user)/\(name)")
        }
        let store = try await Self.loadEverything(tmp, runID: "text-formats")

        try await store.queue.read { (db: Database) throws in
            #expect(try String.fetchAll(db, sql: "SELECT status FROM ingested_files") == ["loaded", "loaded", "loaded"])
            let rows = try Row.fetchAll(db, sql: """
                SELECT e.layout, e.sport, e.start_time_local, e.tz_offset_min, e.duration_s, s.hr_samples, s.hr_min, s.hr_max,
                       s.hr_avg, s.distance_m, s.gps_points
                FROM exercises e JOIN exercise_statistics s ON s.exercise_id = e.id ORDER BY e.layout
                """)
            try #require(rows.count == 3)
            // Values from the files, read with Python's xml.etree and csv modules (see the decoder tests).
            let gpx = rows[0], csv = rows[1], tcx = rows[2]
            #expect(gpx["layout"] as String == "gpx" && csv["layout"] as String == "polar-csv" && tcx["layout"] as String == "tcx")
            #expect(tcx["sport"] as String == "OTHER" && csv["sport"] as String == "STRENGTH_TRAINING")
            #expect((tcx["tz_offset_min"] as Int?) == nil && (csv["tz_offset_min"] as Int?) == nil)
            #expect(csv["start_time_local"] as String == "2017-04-10T19:15:53.000")
            #expect(tcx["duration_s"] as Double == 2302 && csv["duration_s"] as Double == 2301 && gpx["duration_s"] as Double == 948)
            #expect(tcx["hr_samples"] as Int == 2302 && csv["hr_samples"] as Int == 2302 && gpx["hr_samples"] as Int == 205)
            #expect(tcx["hr_min"] as Double == 86 && tcx["hr_max"] as Double == 147)
            #expect(abs(tcx["hr_avg"] as Double - 111.80886185925283) < 1e-9)
            #expect(abs(csv["hr_avg"] as Double - 111.80886185925283) < 1e-9)
            #expect(abs(gpx["hr_avg"] as Double - 38996.0 / 205) < 1e-9)
            #expect(abs(gpx["distance_m"] as Double - 3098.533530142614) < 1e-6)
            #expect(gpx["gps_points"] as Int == 205)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM heart_rate_samples") == 2302 + 2302 + 205)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM gps_route_points") == 205)
            // The CSV's physical settings reached the user.
            #expect(try Double.fetchOne(db, sql: "SELECT max_hr FROM users WHERE user_key = 'athlete-02'") == 190)
        }

        // The same CSV for the athlete who has the TCX: the same session (its local start is 2 h from the TCX's UTC
        // one, a whole time-zone offset), so it is a duplicate exercise.
        // (One more line end, so that it is not the very bytes athlete-02's copy has.)
        _ = try tmp.drop(Data(try RealSamples.bytes(named: "tracs__200000.csv") + [0x0A]), at: "athlete-01/tracs__200000.csv")
        #expect(try await makeRunner(tmp, store).run(runID: "text-formats-2").outcome.state == .success)
        try await store.queue.read { (db: Database) throws in
            #expect(try String.fetchAll(db, sql: "SELECT status || ' ' || reason FROM ingested_files WHERE run_id = 'text-formats-2'")
                    == ["duplicate duplicate-exercise"])
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM exercises") == 3)
        }
    }

    @Test func generatedTCXGPXAndCSVInboxesLoadEverySample() async throws {
        let tmp = try TemporaryWorkspace()
        defer { tmp.remove() }
        var generated: [GeneratedSession] = []
        for (seed, layout) in [(UInt64(21), SyntheticLayout.tcx), (22, .gpx), (23, .csv)] {
            let data = SyntheticData(users: 2, sessionsPerUser: 3, seed: seed, durationSeconds: 600, layout: layout)
            try data.write(to: tmp.workspace.inbox) { generated.append($0) }
        }
        let sessions = generated
        let store = try await Self.loadEverything(tmp, runID: "generated-text")
        try await store.queue.read { (db: Database) throws in
            for layout in [SyntheticLayout.tcx, .gpx, .csv] {
                let expected = sessions.filter { $0.layout == layout }
                let stored = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM exercises WHERE layout = ?", arguments: [layout.polarLayout?.rawValue])
                #expect(stored == expected.count, "\(layout)")
                let validHR = expected.reduce(0) { $0 + $1.exercises[0].validHeartRate.count }
                let storedHR = try Int.fetchOne(db, sql: """
                    SELECT SUM(s.hr_samples) FROM exercise_statistics s JOIN exercises e ON e.id = s.exercise_id WHERE e.layout = ?
                    """, arguments: [layout.polarLayout?.rawValue])
                #expect(storedHR == validHR, "\(layout)")
            }
        }
    }

    @Test func aStravaStyleExportZipAndALooseGzipFileLoadWithoutUnpackingToDisk() async throws {
        let tmp = try TemporaryWorkspace()
        defer { tmp.remove() }
        let tcx = SyntheticData(users: 1, sessionsPerUser: 1, seed: 31, durationSeconds: 600, layout: .tcx).makeSession(user: 0, index: 0)
        let gpx = SyntheticData(users: 1, sessionsPerUser: 1, seed: 32, durationSeconds: 600, layout: .gpx).makeSession(user: 0, index: 0)
        let zip = try HostileCorpus.zip([
            ("activities/101.tcx.gz", Data(try GzipWriter.gzip(tcx.0))),
            ("activities/102.gpx.gz", Data(try GzipWriter.gzip(gpx.0))),
            ("activities.csv", Data("Activity ID,Activity Date,Activity Name\n101,\"Jan 5, 2026\",Run\n".utf8)),
        ])
        _ = try tmp.drop(zip, at: "athlete-01/export_12345.zip")
        _ = try tmp.drop(Data(try GzipWriter.gzip(try RealSamples.bytes(named: "tracs__100001.gpx"))), at: "athlete-01/100001.gpx.gz")
        let store = try await Self.loadEverything(tmp, runID: "strava")
        try await store.queue.read { (db: Database) throws in
            #expect(try String.fetchAll(db, sql: "SELECT layout FROM exercises ORDER BY layout") == ["gpx", "gpx", "tcx"])
            #expect(try String.fetchOne(db, sql: "SELECT reason FROM ingested_files WHERE original_path = 'athlete-01/export_12345.zip'")
                    == "zip: 2 training sessions, 1 other entries skipped")
            let hr = tcx.1.exercises[0].validHeartRate.count + gpx.1.exercises[0].validHeartRate.count + 205
            #expect(try Int.fetchOne(db, sql: "SELECT SUM(hr_samples) FROM exercise_statistics") == hr)
        }
    }

    /// The real Garmin GPX with its points' times taken out (the file's metadata time kept): the route, distance,
    /// elevation and HR values load as in the timed file, but no statistic is made up from time — the duration is 0
    /// and speed, pace, moving time, zones (configured for its sport here), TRIMP, splits and best efforts are NULL,
    /// while the timed copy has them.
    @Test func aGPXWithoutTimesLoadsItsRouteAndDistanceButNoTimeBasedStatistics() async throws {
        let tmp = try TemporaryWorkspace()
        defer { tmp.remove() }
        let timed = String(decoding: try RealSamples.bytes(named: "tracs__100001.gpx"), as: UTF8.self)
        let track = try #require(timed.range(of: "<trk>"))
        let untimed = String(timed[..<track.lowerBound])
            + timed[track.lowerBound...].replacingOccurrences(of: "<time>[^<]*</time>", with: "", options: .regularExpression)
        #expect(!untimed[track.lowerBound...].contains("<time>"))
        _ = try tmp.drop(timed, at: "athlete-01/timed.gpx")
        _ = try tmp.drop(untimed, at: "athlete-02/untimed.gpx")
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        var zones = SportHeartRateZones()
        let accepted = zones.set(sport: "other", text: "120,140,155,170")
        #expect(accepted)
        let outcome = try await makeRunner(tmp, store) { $0.heartRateZones = zones }.run(runID: "untimed-gpx").outcome
        #expect(outcome.state == .success, "\(outcome)")
        #expect(tmp.files(under: tmp.workspace.quarantine).isEmpty)

        try await store.queue.read { (db: Database) throws in
            let rows = try Row.fetchAll(db, sql: """
                SELECT u.user_key, e.duration_s, e.start_time_utc, s.distance_m, s.gps_points, s.hr_samples, s.hr_avg, s.elevation_gain_m,
                       s.avg_speed_kmh, s.pace_min_per_km, s.moving_time_s, s.hr_zone1_s, s.trimp, s.best_1km_s,
                       (SELECT COUNT(*) FROM exercise_splits x WHERE x.exercise_id = e.id) AS splits
                FROM exercises e JOIN users u ON u.id = e.user_id JOIN exercise_statistics s ON s.exercise_id = e.id ORDER BY u.user_key
                """)
            try #require(rows.count == 2)
            let (withTimes, without) = (rows[0], rows[1])
            for row in rows { #expect(abs(row["distance_m"] as Double - 3098.533530142614) < 1e-6) }
            // 206 points, two with the same time: the timed file keeps the first of them, the untimed one has no
            // time to collide (HR sum 38 996 over 205 values, 39 142 over all 206).
            #expect(withTimes["gps_points"] as Int == 205 && withTimes["hr_samples"] as Int == 205)
            #expect(without["gps_points"] as Int == 206 && without["hr_samples"] as Int == 206)
            #expect(abs(withTimes["hr_avg"] as Double - 38996.0 / 205) < 1e-9)
            #expect(abs(without["hr_avg"] as Double - 39142.0 / 206) < 1e-9)
            #expect(without["elevation_gain_m"] as Double? == withTimes["elevation_gain_m"] as Double?)
            #expect(withTimes["duration_s"] as Double == 948 && without["duration_s"] as Double == 0)
            // Placed on the file's metadata time.
            #expect(without["start_time_utc"] as String == "2012-10-24T23:22:51.000Z")
            for column in ["avg_speed_kmh", "pace_min_per_km", "moving_time_s", "hr_zone1_s", "best_1km_s"] {
                #expect((withTimes[column] as Double?) != nil, "\(column)")
                #expect((without[column] as Double?) == nil, "\(column)")
            }
            #expect(without["trimp"] as Double? == nil)
            #expect(withTimes["splits"] as Int == 3 && without["splits"] as Int == 0)
        }
    }

    @Test func aPausedGPXWithTemperaturesLoadsWithoutTheGapsKilometresAndEqualsARebuild() async throws {
        let tmp = try TemporaryWorkspace()
        defer { tmp.remove() }
        // Two segments of 1.5 km (100 m every 30 s, 21 °C), an hour apart and 55.6 km (0.5° of latitude) apart.
        let step = 100 / (Geo.earthRadius * Double.pi / 180)
        func segment(_ lat: Double, hour: Int) -> String {
            (0 ..< 16).map { i in
                "<trkpt lat=\"\(lat + Double(i) * step)\" lon=\"25\"><time>2024-05-01T\(hour):\(10 + i / 2):\(i % 2 == 0 ? "00" : "30")Z</time>"
                    + "<extensions><gpxtpx:TrackPointExtension><gpxtpx:atemp>21</gpxtpx:atemp><gpxtpx:hr>\(120 + i)</gpxtpx:hr>"
                    + "</gpxtpx:TrackPointExtension></extensions></trkpt>"
            }.joined()
        }
        let gpx = """
            <?xml version="1.0"?><gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1" \
            xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1"><trk><type>running</type>\
            <trkseg>\(segment(60, hour: 10))</trkseg><trkseg>\(segment(60.5, hour: 11))</trkseg></trk></gpx>
            """
        _ = try tmp.drop(gpx, at: "athlete-01/paused.gpx")
        let store = try await Self.loadEverything(tmp, runID: "paused-gpx")
        try await store.queue.read { (db: Database) throws in
            let row = try #require(try Row.fetchOne(db, sql: """
                SELECT s.distance_m, s.gps_distance_m, s.moving_time_s, s.gps_points, e.duration_s,
                       (SELECT COUNT(*) FROM exercise_splits x WHERE x.exercise_id = e.id) AS splits
                FROM exercises e JOIN exercise_statistics s ON s.exercise_id = e.id
                """))
            #expect(abs(row["gps_distance_m"] as Double - 3000) < 1e-6)  // not 57.1 km
            #expect(abs(row["distance_m"] as Double - 3000) < 1e-6)
            #expect(row["splits"] as Int == 3 && row["gps_points"] as Int == 32)
            #expect(row["moving_time_s"] as Double == 900 && row["duration_s"] as Double == 4050)
            let channels = try Row.fetchAll(db, sql: "SELECT channel, samples FROM exercise_series ORDER BY channel")
                .map { "\($0["channel"] as String):\($0["samples"] as Int)" }
            #expect(channels == ["distance:32", "pause:1", "temperature:32"])
        }
        let snapshot = try await DatabaseSnapshot.of(store, files: false)
        _ = try await StatisticsRebuild.run(store: store, now: Clock.nowMillis())
        #expect(try await DatabaseSnapshot.of(store, files: false) == snapshot)
    }
}
