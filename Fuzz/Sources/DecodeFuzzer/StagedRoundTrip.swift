import Foundation
@testable import PolarPipeCore

/// The staged form (`.pps`): a decoded session is written, read back whole, as samples only and as header only,
/// and each read equals what was written (samples compared bit for bit, as NaN altitudes are never equal).
enum StagedRoundTrip {
    /// `POLARPIPE_FUZZ_STAGING`, else the temporary folder; each fuzzing process writes its own file there.
    static let folder: URL = {
        let path = ProcessInfo.processInfo.environment["POLARPIPE_FUZZ_STAGING"]
        let url = path.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? FileManager.default.temporaryDirectory
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()
    static let file = folder.appendingPathComponent("polarpipe-fuzz-\(getpid()).pps")

    static func check(_ session: TrainingSession) {
        let url = file
        do {
            try StagedSession.write(session, to: url)
        } catch {
            require(false, "a decoded session cannot be staged: \(error)")
        }
        defer {
            StagedSession.headers.removeAll(under: folder.path)
            try? FileManager.default.removeItem(at: url)
        }
        // Without the cache entry the header is decoded from the file, which is what a later process does.
        StagedSession.headers.removeAll(under: folder.path)
        guard let read = try? StagedSession.read(url) else { return require(false, "a staged session cannot be read back") }
        var header = session
        for i in header.exercises.indices { header.exercises[i].samples = ExerciseSamples() }
        var readHeader = read
        for i in readHeader.exercises.indices { readHeader.exercises[i].samples = ExerciseSamples() }
        require(readHeader == header, "the staged header differs from the session")
        require(same(read.exercises.map(\.samples), session.exercises.map(\.samples)), "the staged samples differ from the session's")
        guard let samples = try? StagedSession.readSamples(url) else { return require(false, "staged samples cannot be read back") }
        require(same(samples, session.exercises.map(\.samples)), "readSamples differs from the session's samples")
        StagedSession.headers.removeAll(under: folder.path)
        guard let onlyHeader = try? StagedSession.readHeader(url) else { return require(false, "a staged header cannot be read back") }
        require(onlyHeader == header, "readHeader differs from the session")
    }

    static func same(_ a: [ExerciseSamples], _ b: [ExerciseSamples]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).allSatisfy { x, y in
            let columns: [KeyPath<ExerciseSamples, [Double]>] = [
                \.heartRate.t, \.heartRate.value, \.speed.t, \.speed.value, \.altitude.t, \.altitude.value,
                \.distance.t, \.distance.value, \.route.t, \.route.latitude, \.route.longitude, \.route.altitude,
            ]
            return columns.allSatisfy { column in x[keyPath: column].map(\.bitPattern) == y[keyPath: column].map(\.bitPattern) }
        }
    }
}
