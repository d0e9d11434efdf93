/// Read-only queries for the report pages beyond the statistics: what an exercise's file itself said, and a sketch of
/// a user's routes for the heatmap.
public protocol ReportQueryStore: Sendable {
    /// The exercise's stored raw JSON (its samples removed) and the ascent, descent and heart rate its file reported;
    /// nil when there is no such exercise.
    func recordedSummary(exerciseID: Int64) async throws -> RecordedSummary?
    /// Of the user's `exercises` newest exercises that have a route, about `pointsPerExercise` route points each, evenly
    /// spaced in time from the first (one a `span / pointsPerExercise` seconds; more only where the recording is
    /// irregular, fewer across pauses), oldest exercise first.
    func routeSketches(userID: Int64, exercises: Int, pointsPerExercise: Int) async throws -> [RouteSketch]
}

/// What an exercise's file reported about itself (not computed by polarpipe).
public struct RecordedSummary: Sendable, Equatable {
    /// The exercise's JSON as stored in `exercises.raw`: the session with its sample arrays removed (Polar exports),
    /// the exercise object (AccessLink) or a summary of the file (FIT, TCX, GPX, CSV).
    public var raw: String
    public var ascentM: Double?
    public var descentM: Double?
    public var reportedHR: ReportedHeartRate?
    public init(raw: String, ascentM: Double?, descentM: Double?, reportedHR: ReportedHeartRate?) {
        self.raw = raw
        self.ascentM = ascentM
        self.descentM = descentM
        self.reportedHR = reportedHR
    }
}

/// A few points of one exercise's route, for drawing many routes at once.
public struct RouteSketch: Sendable, Equatable {
    public var exerciseID: Int64
    public var latitude: [Double]
    public var longitude: [Double]
    public init(exerciseID: Int64, latitude: [Double], longitude: [Double]) {
        self.exerciseID = exerciseID
        self.latitude = latitude
        self.longitude = longitude
    }
}

/// The bounds both stores apply to `routeSketches`, whatever a caller asks.
public enum RouteSketchBounds {
    public static let maxExercises = 5_000
    public static let maxPointsPerExercise = 2_000

    public static func clamped(exercises: Int, pointsPerExercise: Int) -> (exercises: Int, pointsPerExercise: Int) {
        (min(max(exercises, 0), maxExercises), min(max(pointsPerExercise, 1), maxPointsPerExercise))
    }
}
