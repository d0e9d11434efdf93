import Foundation
import PolarPipeCore
import PolarPipeTestSupport
import Testing

/// The report pages' read-only queries, the same on SQLite and PostgreSQL: what an exercise's file reported, and the
/// evenly sampled sketch of a user's routes for the heatmap.
@Suite(.timeLimit(.minutes(5))) struct ReportQueryContractTests {
    static let t0 = StoreContractTests.t0, day = StoreContractTests.day

    @Test(arguments: Backend.available) func recordedSummariesAndRouteSketchesReadWhatWasStored(_ backend: Backend) async throws {
        try await withStore(backend) { s in
            let store = s.store
            try await store.createRun("run-1", startedAt: Self.t0, trigger: "manual")
            let (user, _) = try await store.upsertUser(key: "u", physical: nil, polarUserID: nil, now: Self.t0)
            let (other, _) = try await store.upsertUser(key: "v", physical: nil, polarUserID: nil, now: Self.t0)
            // Three exercises of u (1000, 10 and no route points) and one of v, each in its own file.
            func route(_ n: Int) -> RouteSeries {
                RouteSeries(t: (0 ..< n).map(Double.init), latitude: (0 ..< n).map { 60 + Double($0) * 1e-5 },
                            longitude: (0 ..< n).map { 24 + Double($0) * 1e-5 }, altitude: Array(repeating: .nan, count: n))
            }
            var ids: [Int64] = []
            for (i, (owner, points)) in [(user, 1_000), (user, 10), (user, 0), (other, 50)].enumerated() {
                let file = try await store.claimFile(ClaimedFile(originalPath: "u/\(i).json", userKey: "u", runID: "run-1", path: "\(i)", bytes: 1))
                var exercise = StoreContractTests.exercise(startUTC: Self.t0 + Int64(i) * Self.day)
                exercise.raw = #"{"loadInformation":{"cardioLoad":19.5},"exercises":[{"ascent":12}]}"#
                let recorded = try #require(try await store.recordExercises(runID: "run-1", toleranceMillis: 1_000, [
                    FileExercises(fileID: file, userID: owner, layout: .flowExportOld, exercises: [NewExercise(index: 0, exercise: exercise, deviceID: nil)]),
                ]).first)
                ids += recorded.ids
                if points > 0 { try await store.replaceRoutePoints([(recorded.ids[0], route(points), 0)]) }
            }
            let summary = try #require(try await store.recordedSummary(exerciseID: ids[0]))
            #expect(summary.ascentM == 12 && summary.descentM == 11 && summary.reportedHR == ReportedHeartRate(min: 90, avg: 141, max: 177))
            // PostgreSQL gives the JSON back in its own spacing: what it says is the same.
            #expect(WatchFigures(summary).cardioLoad == 19.5)
            #expect(try await store.recordedSummary(exerciseID: 9_999) == nil)

            // Every 10th point of the 1000 (100 at most), all 10 of the short route; oldest first; not v's, not the one without.
            let sketches = try await store.routeSketches(userID: user, exercises: 10, pointsPerExercise: 100)
            #expect(sketches.map(\.exerciseID) == [ids[0], ids[1]])
            #expect(sketches[0].latitude.count == 100 && sketches[1].latitude.count == 10)
            #expect(sketches[0].latitude[0] == 60 && abs(sketches[0].latitude[1] - (60 + 10e-5)) < 1e-12)
            #expect(sketches[0].longitude.count == 100 && abs(sketches[0].longitude[99] - (24 + 990e-5)) < 1e-12)
            // The newest exercises with a route first: a limit of one keeps the short route.
            #expect(try await store.routeSketches(userID: user, exercises: 1, pointsPerExercise: 100).map(\.exerciseID) == [ids[1]])
            // Out-of-range requests are clamped, not trusted.
            #expect(try await store.routeSketches(userID: user, exercises: -5, pointsPerExercise: 100).isEmpty)
            #expect(try await store.routeSketches(userID: user, exercises: 10, pointsPerExercise: 0).map(\.latitude.count) == [1, 1])
            #expect(try await store.routeSketches(userID: user, exercises: .max, pointsPerExercise: .max).map(\.latitude.count) == [1_000, 10])
        }
    }
}
