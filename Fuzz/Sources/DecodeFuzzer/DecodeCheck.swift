@testable import PolarPipeCore

/// Decoding: every input gives either a session or an error diagnostic, never both and never neither.
enum DecodeCheck {
    /// Limits small enough that the size and duration checks are reached by inputs of fuzzing size.
    static let limits: InputLimits = {
        var limits = InputLimits()
        limits.maxFileBytes = 1 << 20
        return limits
    }()

    static func check(_ bytes: [UInt8]) -> TrainingSession? {
        let outcome = SessionDecoder.decode(bytes, limits: limits)
        let hasError = outcome.firstError != nil
        require(hasError != (outcome.session != nil), "a session \(outcome.session == nil ? "without" : "with") an error")
        guard let session = outcome.session else { return nil }
        require(!session.exercises.isEmpty, "a valid session without exercises")
        for exercise in session.exercises {
            let s = exercise.samples
            for series in [s.heartRate] + ExerciseSamples.seriesChannels.map({ s[keyPath: $0.keyPath] }) {
                require(series.t.count == series.value.count, "a sample series with \(series.t.count) times and \(series.value.count) values")
            }
            let r = s.route
            require(r.t.count == r.latitude.count && r.t.count == r.longitude.count && r.t.count == r.altitude.count,
                    "route columns of different lengths")
        }
        return session
    }
}
