import Foundation

public enum StagingError: Error, CustomStringConvertible {
    case corrupt(String)
    public var description: String {
        switch self { case .corrupt(let path): return "staged session \(path) is unreadable" }
    }
}

/// The normalised form of a decoded file under `staging/<run-id>/sessions/`: a JSON header (the session with
/// empty sample columns) followed by the sample columns as little-endian Float64 arrays. Written once by
/// `validate_json_files`; read by the tasks after it, so no task parses the original JSON again.
public enum StagedSession {
    static let magic: [UInt8] = Array("PPS5".utf8)

    public static func write(_ session: TrainingSession, to url: URL) throws {
        var header = session
        for i in header.exercises.indices { header.exercises[i].samples = ExerciseSamples() }
        let headerData = try JSONEncoder().encode(header)
        headers.insert(header, for: url.path)
        var data = Data(magic)
        append(UInt64(headerData.count), to: &data)
        data.append(headerData)
        for exercise in session.exercises {
            let s = exercise.samples
            for series in [s.heartRate] + ExerciseSamples.seriesChannels.map({ s[keyPath: $0.keyPath] }) {
                append(UInt64(series.count), to: &data)
                append(series.t, to: &data)
                append(series.value, to: &data)
            }
            append(UInt64(s.route.count), to: &data)
            for column in [s.route.t, s.route.latitude, s.route.longitude, s.route.altitude] { append(column, to: &data) }
        }
        // Two byte-identical files of one window are staged at the same path at once.
        try FileMoves.writeAtomically(data, to: url, durable: false, concurrentWriters: true)
    }

    /// Whether a staged session exists at `url` in this version's form (its magic).
    public static func isCurrentForm(_ url: URL) -> Bool {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: magic.count)).map { Array($0) == magic } ?? false
    }

    /// Reads the session with its samples.
    public static func read(_ url: URL) throws -> TrainingSession {
        let data = try Data(contentsOf: url, options: .alwaysMapped)
        return try data.withUnsafeBytes { raw -> TrainingSession in
            var reader = ByteReader(raw: raw, path: url.path)
            var session = try reader.cachedHeader()
            for i in session.exercises.indices {
                session.exercises[i].samples = try reader.samples()
            }
            guard reader.atEnd else { throw StagingError.corrupt(url.path) }
            return session
        }
    }

    /// Reads only the samples of each exercise, in order, without decoding the JSON header (the load, statistics
    /// and report tasks need nothing else).
    public static func readSamples(_ url: URL) throws -> [ExerciseSamples] {
        let data = try Data(contentsOf: url, options: .alwaysMapped)
        return try data.withUnsafeBytes { raw -> [ExerciseSamples] in
            var reader = ByteReader(raw: raw, path: url.path)
            try reader.skipHeader()
            var result: [ExerciseSamples] = []
            while !reader.atEnd { result.append(try reader.samples()) }
            return result
        }
    }

    /// Reads only the header: the session's metadata without samples.
    public static func readHeader(_ url: URL) throws -> TrainingSession {
        if let header = headers[url.path] { return header }
        let data = try Data(contentsOf: url, options: .alwaysMapped)
        return try data.withUnsafeBytes { raw in
            var reader = ByteReader(raw: raw, path: url.path)
            return try reader.cachedHeader()
        }
    }

    /// Headers this process wrote or decoded, by path, so that the tasks of one `polarpipe run` decode each header
    /// (with Foundation's `JSONDecoder`, about 0.1 ms for a small session) at most once. A staged file is named by
    /// the SHA-256 of its source, so an entry never goes stale; the cache keeps about 8 MB of the newest headers
    /// (a default batch of 1 000 sessions needs 2–3 MB), and `cleanup_and_archive` empties it of its run's.
    static let headers = HeaderCache(limitBytes: 8 << 20)

    final class HeaderCache: @unchecked Sendable {
        private let lock = NSLock()
        private let limitBytes: Int
        /// Guarded by `lock`.
        private var entries: [String: (header: TrainingSession, bytes: Int)] = [:]
        private var order: [String] = []
        private var bytes = 0

        init(limitBytes: Int) { self.limitBytes = limitBytes }

        subscript(path: String) -> TrainingSession? {
            lock.lock()
            defer { lock.unlock() }
            return entries[path]?.header
        }

        /// Drops the entries of files under `folder` (a run's staging folder, when it is deleted).
        func removeAll(under folder: String) {
            let prefix = folder.hasSuffix("/") ? folder : folder + "/"
            lock.lock()
            defer { lock.unlock() }
            for path in order where path.hasPrefix(prefix) { bytes -= entries.removeValue(forKey: path)?.bytes ?? 0 }
            order.removeAll { entries[$0] == nil }
        }

        func insert(_ header: TrainingSession, for path: String) {
            let size = 512 + header.exercises.reduce(0) { $0 + 256 + $1.raw.utf8.count }
            lock.lock()
            defer { lock.unlock() }
            guard entries[path] == nil, size <= limitBytes else { return }
            entries[path] = (header, size)
            order.append(path)
            bytes += size
            while bytes > limitBytes, !order.isEmpty {
                let oldest = order.removeFirst()
                bytes -= entries.removeValue(forKey: oldest)?.bytes ?? 0
            }
        }
    }

    static func append(_ v: UInt64, to data: inout Data) {
        withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) }
    }

    static func append(_ values: [Double], to data: inout Data) {
        values.withUnsafeBytes { data.append(contentsOf: $0) }
    }

    struct ByteReader {
        let raw: UnsafeRawBufferPointer
        let path: String
        var offset = 0

        /// The header, decoded unless the cache has it.
        mutating func cachedHeader() throws -> TrainingSession {
            let start = try skipHeader()
            if let header = StagedSession.headers[path] { return header }
            let header = try JSONDecoder().decode(TrainingSession.self, from: Data(raw[start ..< offset]))
            StagedSession.headers.insert(header, for: path)
            return header
        }

        /// Checks the magic and moves past the JSON header; returns where the header starts.
        @discardableResult
        mutating func skipHeader() throws -> Int {
            guard raw.count >= 12, Array(raw[0 ..< 4]) == StagedSession.magic else { throw StagingError.corrupt(path) }
            offset = 4
            let length = try count()
            guard offset + length <= raw.count else { throw StagingError.corrupt(path) }
            offset += length
            return offset - length
        }

        var atEnd: Bool { offset >= raw.count }

        /// One exercise's sample columns.
        mutating func samples() throws -> ExerciseSamples {
            var s = ExerciseSamples()
            for keyPath in [\ExerciseSamples.heartRate] + ExerciseSamples.seriesChannels.map(\.keyPath) {
                let n = try count()
                s[keyPath: keyPath] = SampleSeries(t: try doubles(n), value: try doubles(n))
            }
            let n = try count()
            s.route = RouteSeries(t: try doubles(n), latitude: try doubles(n), longitude: try doubles(n), altitude: try doubles(n))
            return s
        }

        mutating func count() throws -> Int {
            guard offset + 8 <= raw.count else { throw StagingError.corrupt(path) }
            let v = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian
            offset += 8
            guard v < UInt64(raw.count) else { throw StagingError.corrupt(path) }
            return Int(v)
        }

        mutating func doubles(_ n: Int) throws -> [Double] {
            guard n > 0 else { return [] }
            let size = n * 8
            guard offset + size <= raw.count else { throw StagingError.corrupt(path) }
            let result = [Double](unsafeUninitializedCapacity: n) { buffer, initialized in
                memcpy(buffer.baseAddress!, raw.baseAddress! + offset, size)
                initialized = n
            }
            offset += size
            return result
        }
    }
}
