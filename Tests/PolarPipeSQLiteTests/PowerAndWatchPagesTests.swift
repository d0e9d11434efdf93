import Foundation
import GRDB
import Testing
import PolarPipeCore
import PolarPipeTestSupport
@testable import PolarPipeSQLite

/// The pages and `stats user` written by real runs over a power ride and a real AccessLink exercise: power, cadence
/// and HRV; the watch's figures beside polarpipe's; power records per sport; the heatmap of the user's routes.
@Suite(.serialized, .timeLimit(.minutes(5))) struct PowerAndWatchPagesTests {
    func page(_ tmp: TemporaryWorkspace, _ path: String) throws -> String {
        try String(contentsOf: tmp.workspace.reports.appendingPathComponent(path), encoding: .utf8)
    }

    @Test func aPowerRidesPagesShowPowerTheWatchsFiguresRecordsAndTheHeatmap() async throws {
        let tmp = try TemporaryWorkspace("power-pages")
        defer { tmp.remove() }
        try tmp.drop(PowerRideFixture.json(), at: "ann/ride.json")
        try tmp.drop(PowerRideFixture.json(day: 18, loopDegrees: 0.012), at: "ann/ride2.json")
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        #expect(try await makeRunner(tmp, store).run(runID: "power").outcome.state == .success)
        let exercise = try page(tmp, "exercises/1.html")
        for card in ["<b>230 W</b><span>average power</span>", "<b>250 W</b><span>best 20 min</span>", "<b>90 / 95 rpm</b><span>cadence avg / max</span>",
                     "<b>20 ms</b><span>HRV (RMSSD)</span>"] {
            #expect(exercise.contains(card), "\(card)")
        }
        #expect(exercise.contains("Time in power zones (% of FTP 250 W)") && exercise.contains("Z4 90–105 % 20 min"))
        // The watch's ascent from the file, polarpipe's from the flat route (20 m throughout): 0 m.
        #expect(exercise.contains("<td>Ascent</td><td>watch: 412 m · polarpipe: 0 m</td>"), "\(exercise)")
        #expect(exercise.contains("<td>Cardio load</td><td>watch: 45.5 (medium) · polarpipe: TRIMP "))
        #expect(exercise.contains("<td>Muscle load</td><td>watch: 310</td>") && !exercise.contains("Perceived load"))

        let user = try page(tmp, "users/ann.html")
        #expect(user.contains("<td>Best 20 min power</td><td class=\"n\">250 W</td><td><a href=\"../exercises/1.html\">2023-06-17 10:00 (+03:00)</a>"))
        #expect(user.contains("<h2>Where you train</h2><p class=\"muted\">2 routes, darker where more of them pass.</p>"))
        #expect(user.contains("Heatmap of 2 routes"))

        // The store's sketch of the routes: 200 points of each 1500-point route, every 8th from the first.
        let sketches = try await store.routeSketches(userID: 1, exercises: 500, pointsPerExercise: 200)
        #expect(sketches.map(\.exerciseID) == [1, 2] && sketches.map(\.latitude.count) == [188, 188])
        #expect(abs((sketches[0].latitude.first ?? 0) - 60.17) < 1e-9 && abs((sketches[0].longitude.first ?? 0) - 24.96) < 1e-9)
        #expect(try await store.routeSketches(userID: 1, exercises: 1, pointsPerExercise: 200).map(\.exerciseID) == [2])
        let recorded = try #require(try await store.recordedSummary(exerciseID: 1))
        #expect(recorded.ascentM == 412 && recorded.descentM == 380 && recorded.reportedHR?.avg == 141)
        #expect(recorded.raw.contains("\"cardioLoad\": 45.5") && !recorded.raw.contains("currentPower"))
        #expect(try await store.recordedSummary(exerciseID: 99) == nil)
    }

    @Test func aRealAccessLinkExerciseShowsPolarsCardioLoadAndRunningIndex() async throws {
        let tmp = try TemporaryWorkspace("accesslink-watch")
        defer { tmp.remove() }
        let url = try #require(try RealSamples.files().first { $0.lastPathComponent == "axs192__sample_data.json" })
        try tmp.drop(try Data(contentsOf: url), at: "ann/" + url.lastPathComponent)
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        #expect(try await makeRunner(tmp, store).run(runID: "al").outcome.state == .success)
        let exercise = try page(tmp, "exercises/1.html")
        // The file: "running_index": 36, "training_load_pro": {"cardio-load": 231.633, "VERY_HIGH", "muscle-load": 1608.11,
        // "perceived-load": 0.0 (not available)}, "calories": 1600.
        // No max HR in an AccessLink exercise: no TRIMP to set beside it.
        #expect(exercise.contains("<td>Cardio load</td><td>watch: 231.6 (very high) · polarpipe: no TRIMP</td>"))
        #expect(exercise.contains("<td>Muscle load</td><td>watch: 1608</td>") && exercise.contains("<td>Running index</td><td>watch: 36</td>"))
        #expect(exercise.contains("<td>Calories</td><td>watch: 1600 kcal · polarpipe: not computed</td>"))
        #expect(!exercise.contains("Perceived load"))
        // Polar running power (sample type 4): 8240 values, mean 194.74 W, max 388 W (read with Python's json module).
        #expect(exercise.contains("<b>195 W</b><span>average power</span>") && exercise.contains("<b>388 W</b><span>max power</span>"))
        #expect(exercise.contains("Intensity factor, TSS and power zones need your FTP (functional threshold power)"))
    }

    @Test func statsUserPrintsThePowerRecordsPerSportOrSaysThereAreNone() throws {
        let tmp = try TemporaryWorkspace("power-cli")
        defer { tmp.remove() }
        try tmp.drop(PowerRideFixture.json(), at: "ann/ride.json")
        try tmp.drop(OldLayoutFixtures.session(exercises: [OldLayoutFixtures.runningExercise]), at: "bob/run.json")
        let ws = ["--workspace", tmp.workspace.root.path]
        #expect(try PolarPipeExecutable.run(["run", "--quiet"] + ws).status == 0)
        let ann = try PolarPipeExecutable.run(["stats", "user", "ann"] + ws)
        #expect(ann.status == 0)
        let lines = ann.output.split(separator: "\n").map(String.init)
        // One column for the values, as wide as the longest record's name needs.
        #expect(lines.contains("Road biking, best 20 min power     250 W"), "\(ann.output)")
        #expect(lines.contains("Road biking, best 5 s power        250 W") && lines.contains("Road biking, longest distance      12.00 km"))
        #expect(lines.contains { $0.hasPrefix("Road biking, best normalized power ") && $0.hasSuffix(" W") })
        // The JSON view (also `GET /api/v1/users/ann/statistics`) has them per sport, in watts.
        struct View: Decodable { var records: [String: Double]; var records_by_sport: [String: [String: Double]] }
        let json = try JSONDecoder().decode(View.self, from: Data(try PolarPipeExecutable.run(["stats", "user", "ann", "--json"] + ws).output.utf8))
        #expect(json.records_by_sport["ROAD_BIKING"]?["best_power_20min"] == 250 && json.records_by_sport["ROAD_BIKING"]?["best_power_5s"] == 250)
        #expect(json.records["best_power_20min"] == nil)
        let bob = try PolarPipeExecutable.run(["stats", "user", "bob"] + ws)
        #expect(bob.output.contains("power records                 none (no exercise has power samples)"), "\(bob.output)")
    }

    @Test func reportDrawsTheRouteAndTheHeatmapOnTheConfiguredTiles() throws {
        let tmp = try TemporaryWorkspace("report-tiles")
        defer { tmp.remove() }
        try tmp.drop(PowerRideFixture.json(), at: "ann/ride.json")
        let ws = ["--workspace", tmp.workspace.root.path]
        #expect(try PolarPipeExecutable.run(["run", "--quiet"] + ws).status == 0)
        let userPage = tmp.workspace.reports.appendingPathComponent("users/ann.html")
        #expect(!(try String(contentsOf: userPage, encoding: .utf8)).contains("<image"))
        try Data("[reports]\nmap_tiles = \"https://tiles.example.org/{z}/{x}/{y}.png\"\n".utf8).write(to: tmp.workspace.configurationFile)
        #expect(try PolarPipeExecutable.run(["report"] + ws).status == 0)
        let user = try String(contentsOf: userPage, encoding: .utf8)
        let exercise = try String(contentsOf: tmp.workspace.reports.appendingPathComponent("exercises/1.html"), encoding: .utf8)
        #expect(user.contains("<image href=\"https://tiles.example.org/") && user.contains("map: tiles.example.org"))
        #expect(exercise.contains("<image href=\"https://tiles.example.org/"))
    }
}
