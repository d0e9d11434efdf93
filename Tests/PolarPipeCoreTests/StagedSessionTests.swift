import Foundation
import Testing
@testable import PolarPipeCore

@Suite struct StagedSessionTests {
    static func session(sport: String) -> TrainingSession {
        var samples = ExerciseSamples()
        samples.heartRate = SampleSeries(t: [0, 1, 2], value: [100, 101.5, 102])
        samples.route = RouteSeries(t: [0, 1], latitude: [60.1, 60.2], longitude: [24.9, 24.95], altitude: [12, .nan])
        let exercise = Exercise(sport: sport, sportRaw: sport, startLocalMillis: 1_780_000_000_000, tzOffsetMinutes: 120,
                                durationS: 3, raw: #"{"sport":"\#(sport)"}"#, samples: samples)
        return TrainingSession(layout: .flowExportOld, deviceID: "dev", exercises: [exercise, exercise])
    }

    @Test func roundTripsAndDetectsTruncation() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("staged-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("sessions/abc.pps")
        try StagedSession.write(Self.session(sport: "RUNNING"), to: url)
        let read = try StagedSession.read(url)
        #expect(read.exercises.count == 2 && read.exercises[1].sport == "RUNNING" && read.deviceID == "dev")
        #expect(read.exercises[0].samples.heartRate == SampleSeries(t: [0, 1, 2], value: [100, 101.5, 102]))
        #expect(read.exercises[1].samples.route.altitude[1].isNaN)
        #expect(try StagedSession.readSamples(url).map(\.heartRate.count) == [3, 3])
        #expect(try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path) == ["abc.pps"])

        // A file cut short is refused with a reason, not read as fewer samples.
        var bytes = try Data(contentsOf: url)
        bytes.removeLast(8)
        try bytes.write(to: url)
        #expect(throws: StagingError.self) { try StagedSession.read(url) }
    }

    @Test func headersComeFromTheCacheUntilTheRunsStagingIsForgotten() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("staged-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("run-1/sessions/def.pps")
        try StagedSession.write(Self.session(sport: "CYCLING"), to: url)
        try FileManager.default.removeItem(at: url)
        // Written by this process: the header needs no file (the samples do).
        #expect(try StagedSession.readHeader(url).exercises.map(\.sport) == ["CYCLING", "CYCLING"])
        #expect(throws: (any Error).self) { try StagedSession.readSamples(url) }
        StagedSession.headers.removeAll(under: folder.appendingPathComponent("run-1").path)
        #expect(throws: (any Error).self) { try StagedSession.readHeader(url) }
    }

    @Test func aStagedSessionOfAnEarlierFormIsNotTakenForCurrent() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("staged-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let old = folder.appendingPathComponent("old"), current = folder.appendingPathComponent("current")
        try Data("PPS1".utf8 + [UInt8](repeating: 0, count: 16)).write(to: old)
        try StagedSession.write(TrainingSession(layout: .fit, exercises: []), to: current)
        #expect(!StagedSession.isCurrentForm(old))
        #expect(StagedSession.isCurrentForm(current))
        #expect(!StagedSession.isCurrentForm(folder.appendingPathComponent("missing")))
    }
}
