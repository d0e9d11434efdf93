import Foundation
import GRDB
import PolarPipeCore
import PolarPipeSQLite
import PolarPipeTestSupport
import Testing

/// Per-sport heart-rate zones through real runs into a real SQLite file: a file's own zones, else the sport's
/// configured ones, else % of max HR; a change of the configured zones recomputes the exercises it concerns, so a run
/// equals `stats rebuild` with the same configuration.
@Suite(.serialized, .timeLimit(.minutes(5))) struct HeartRateZonesPipelineTests {
    func zones(_ store: SQLiteStore, _ userKey: String) async throws -> [(limits: String?, used: String?, seconds: [Double?])] {
        try await store.queue.read { db in
            try Row.fetchAll(db, sql: """
                SELECT e.hr_zone_limits, s.profile_hr_zones, s.hr_zone1_s, s.hr_zone2_s, s.hr_zone3_s, s.hr_zone4_s, s.hr_zone5_s
                FROM exercises e JOIN users u ON u.id = e.user_id JOIN exercise_statistics s ON s.exercise_id = e.id
                WHERE u.user_key = ? ORDER BY e.start_utc_ms
                """, arguments: [userKey]).map { row in
                (row["hr_zone_limits"], row["profile_hr_zones"], (1 ... 5).map { row["hr_zone\($0)_s"] as Double? })
            }
        }
    }

    static func close(_ a: [Double?], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { x, y in x.map { abs($0 - y) < 1e-6 } ?? false }
    }

    @Test func zonesComeFromTheFileElseTheSportsConfigurationElsePercentOfMax() async throws {
        let tmp = try TemporaryWorkspace()
        defer { tmp.remove() }
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        // A real Polar export with the watch's zones (95–114–133–152–171–190), and a running session without zones
        // of a user whose max HR is 190: 120 s at 150 bpm.
        _ = try tmp.drop(Data(try RealSamples.bytes(prefix: "leewc__training-session-2024-06-24")), at: "lee/2024.json")
        try tmp.drop(try PhysiologyChangeTests.session(start: "2024-05-01T10:00:00.000", snapshot: """
            "physicalInformationSnapshot": {"dateTime": "2024-05-01T08:00:00.000", "maximumHeartRate": 190},
            """, bpm: 150, seconds: 120), at: "ann/run.json")
        var configuration = SportHeartRateZones()
        let accepted = configuration.set(sport: "other_indoor", text: "100,110,120,130")
        #expect(accepted)
        let first = try await makeRunner(tmp, store) { $0.heartRateZones = configuration }.run(runID: "zones-1").outcome
        #expect(first.state == .success, "\(first)")

        // The file's zones win over the configured OTHER_INDOOR ones; the watch says 47, 878, 1381, 1391, 46 s.
        let lee = try #require(try await zones(store, "lee").first)
        #expect(lee.limits == "95,114,133,152,171,190" && lee.used == "95,114,133,152,171,190")
        #expect(Self.close(lee.seconds, [47, 877.774, 1382, 1391, 46]), "\(lee.seconds)")
        // No zones for running configured: 150 bpm is 78.9 % of 190, zone 3.
        let ann = try #require(try await zones(store, "ann").first)
        #expect(ann.limits == nil && ann.used == nil && ann.seconds == [0, 0, 120, 0, 0])

        // Zones configured for running from now on: a run that brings Ann a new session recomputes the older one
        // with them (150 bpm: zone 4, 145–155), and the database equals a rebuild with that configuration.
        let acceptedRunning = configuration.set(sport: "running", text: "120,135,145,155")
        #expect(acceptedRunning)
        try tmp.drop(try PhysiologyChangeTests.session(start: "2024-05-02T10:00:00.000", snapshot: "", bpm: 160, seconds: 60),
                     at: "ann/run-2.json")
        let second = try await makeRunner(tmp, store) { $0.heartRateZones = configuration }.run(runID: "zones-2").outcome
        #expect(second.state == .success, "\(second)")
        #expect(second.outputs["update_user_statistics"]?.counts["exercises_recomputed"] == 1)
        let annNow = try await zones(store, "ann")
        #expect(annNow.map(\.used) == ["30,120,135,145,155", "30,120,135,145,155"])
        #expect(annNow.map(\.seconds) == [[0, 0, 0, 120, 0], [0, 0, 0, 0, 60]])
        let incremental = try await DatabaseSnapshot.of(store, files: false)
        _ = try await StatisticsRebuild.run(store: store, now: Clock.nowMillis(), zones: configuration)
        let rebuilt = try await DatabaseSnapshot.of(store, files: false)
        #expect(rebuilt == incremental, "\(Set(rebuilt).symmetricDifference(incremental).sorted().prefix(4))")
        // Without the configuration, a rebuild goes back to % of max HR.
        _ = try await StatisticsRebuild.run(store: store, now: Clock.nowMillis())
        #expect(try await zones(store, "ann").map(\.seconds) == [[0, 0, 120, 0, 0], [0, 0, 0, 60, 0]])
        #expect(Self.close(try #require(try await zones(store, "lee").first).seconds, [47, 877.774, 1382, 1391, 46]))
    }
}
