import PolarPipeCore

/// The file layouts the generator writes. `mixed` lets each session pick one of the other three.
public enum SyntheticLayout: String, Sendable, CaseIterable {
    /// Polar Flow export, `exportVersion` layout.
    case old
    /// Polar Flow export, `durationMillis` layout (2026 exports).
    case new
    /// Polar AccessLink v3 exercise JSON, as `polarpipe sync accesslink` writes it.
    case accesslink
    /// A FIT activity file, as Garmin-style watches write it.
    case fit
    /// Each session picks old, new or accesslink from the seeded random numbers.
    case mixed
    /// Garmin Training Center XML, as Polar Flow exports one session.
    case tcx
    /// GPX 1.1 track, as Garmin Connect exports one.
    case gpx
    /// Polar Flow's per-session CSV.
    case csv

    /// The layout polarpipe's decoder should detect; nil for `mixed`.
    public var polarLayout: PolarLayout? {
        switch self {
        case .old: return .flowExportOld
        case .new: return .flowExportNew
        case .accesslink: return .accessLink
        case .fit: return .fit
        case .mixed: return nil
        case .tcx: return .tcx
        case .gpx: return .gpx
        case .csv: return .polarCSV
        }
    }
}

/// One generated exercise exactly as its file states it, so a test can compare a decoder's output with it without
/// going through polarpipe. Times are seconds from the exercise start.
public struct GeneratedExercise: Sendable {
    /// Normalised sport enum name (`RUNNING`).
    public var sport: String
    /// Local start as written (the new layout and AccessLink drop the milliseconds).
    public var startLocalMillis: Int64
    public var tzOffsetMinutes: Int
    public var durationS: Double
    /// The distance the file reports (float32 in the exports, whole metres in AccessLink).
    public var reportedDistanceM: Double
    public var calories: Int
    /// One value a second from the start; nil = missing in the file (dropout).
    public var heartRate: [Double?]
    /// km/h, one a second.
    public var speed: [Double?]
    /// Barometric altitude, one a second; the first seconds read 0 as real altimeters do.
    public var altitude: [Double?]
    /// Cumulative distance from the exercise start, one a second.
    public var distance: [Double?]
    /// Route points as written; altitude NaN where the layout writes none.
    public var route: RouteSeries

    /// Heart-rate values polarpipe counts as valid (30–250 bpm).
    public var validHeartRate: [Double] { heartRate.compactMap { $0 }.filter { $0 >= 30 && $0 <= 250 } }
}

/// One generated session file: where it went, its layout, the athlete's settings and its exercises.
public struct GeneratedSession: Sendable {
    /// `<user-key>/<file name>`; for a session packed into an export archive, the entry's name under the user.
    public var relativePath: String
    /// `<user-key>/polar-user-data-export_….zip` when the session was written into an archive.
    public var archivePath: String?
    public var userKey: String
    /// Never `mixed`.
    public var layout: SyntheticLayout
    /// The athlete's settings at the session. Old and new layouts carry them in the file; AccessLink files do not
    /// (AccessLink keeps them with the registered user).
    public var physical: PhysicalInformation
    /// One exercise, or two for a multisport session (new layout only).
    public var exercises: [GeneratedExercise]
    public var bytes: Int
    var details: SessionDetails

    /// Which user (0-based) and which of their sessions this is: `makeSession(user:index:)`'s arguments.
    public var userIndex: Int { details.user }
    public var sessionIndex: Int { details.index }
    /// A multisport session's samples between its exercises (`transitionSamples`), times from the transition's start.
    public var transition: GeneratedExercise? { details.transition }

    /// Whether the file itself states the physical information (a CSV states only part of it; TCX and GPX none).
    public var fileHasPhysicalInformation: Bool { layout == .old || layout == .new }

    /// Whether the session goes into a Polar Flow export archive with `--zip` (AccessLink and FIT files stay loose).
    public var packsIntoExport: Bool { layout == .old || layout == .new }

    // The first exercise's fields, as the generator had them before multisport sessions existed.
    public var sport: String { exercises[0].sport }
    public var startLocalMillis: Int64 { exercises[0].startLocalMillis }
    public var tzOffsetMinutes: Int { exercises[0].tzOffsetMinutes }
    public var durationS: Double { exercises[0].durationS }
    public var reportedDistanceM: Double { exercises[0].reportedDistanceM }
    public var heartRate: [Double?] { exercises[0].heartRate }
    public var route: RouteSeries { exercises[0].route }
    public var altitude: [Double?] { exercises[0].altitude }
}

/// What the writers need beyond the samples: identifiers and the athlete's less common settings.
struct SessionDetails: Sendable {
    var user: Int
    var index: Int
    var male: Bool
    var deviceHex: String
    var homeLatitude: Double
    var homeLongitude: Double
    var numericID: Int64
    var uuid: String
    var snapshotLocalMillis: Int64
    /// Session length of a multisport session (start of the first exercise to end of the last), seconds.
    var spanS: Double
    /// Samples recorded between the exercises of a multisport session, with times from the transition's start.
    var transition: GeneratedExercise?
}
