/// The files of a Polar account export that are not training sessions: daily activity, sleep, nightly recovery,
/// 24/7 heart rate, tests, routes, targets, the account itself. They are recorded in the ledger as `skipped`, with
/// the kind as reason, instead of being quarantined as broken sessions.
public enum ExportFileKind: String, Sendable, CaseIterable {
    case activity
    case sleepResult = "sleep-result"
    case sleepScore = "sleep-score"
    case sleepWake = "sleep-wake"
    case nightlyRecovery = "nightly-recovery"
    case continuousHeartRate = "247-heart-rate"
    case ppiSamples = "ppi-samples"
    case genericPeriod = "generic-period"
    case orthostaticTest = "orthostatic-test"
    case fitnessTest = "fitness-test"
    case plannedRoute = "planned-route"
    case trainingTarget = "training-target"
    case favourites
    case program
    case account
    case calendar
    case sportProfiles = "sport-profiles"
    case devices
    /// Strava's bulk export lists its activities in `activities.csv` beside the `activities/` files themselves.
    case stravaActivities = "strava-activities"

    /// How the export names files of this kind (the start of the file name, compared in lower case).
    var namePrefixes: [String] {
        switch self {
        case .activity: return ["activity-"]
        case .sleepResult: return ["sleep_result_", "sleep-result-"]
        case .sleepScore: return ["sleep_score_", "sleep-score-"]
        case .sleepWake: return ["sleep_wake_", "sleep-wake-"]
        case .nightlyRecovery: return ["nightly_recovery_", "nightly-recovery-"]
        case .continuousHeartRate: return ["247ohr_", "247ohr-"]
        case .ppiSamples: return ["ppi_samples_", "ppi-samples-"]
        case .genericPeriod: return ["generic-period-", "generic_period_"]
        case .orthostaticTest: return ["orthostatic-test-result"]
        case .fitnessTest: return ["fitness-test-result"]
        case .plannedRoute: return ["planned-route-"]
        case .trainingTarget: return ["training-target-"]
        case .favourites: return ["favourite-targets-", "favorite-targets-", "favourites-"]
        case .program: return ["programs-", "program-"]
        case .account: return ["account-"]
        case .calendar: return ["calendar-items-"]
        case .sportProfiles: return ["sport-profiles-", "sport-profile-"]
        case .devices: return ["products-devices-"]
        case .stravaActivities: return ["activities.csv"]
        }
    }

    /// Whether `root` has the shape of this kind. A shape that is a training session's (`LayoutDetector` finds a
    /// layout) is never a non-session kind — such a file was meant as a session and its decoding errors stand — except
    /// for a training target, which carries `exportVersion` and `exercises` like an old-layout session but no duration.
    func matches(_ root: JSONValue) -> Bool {
        guard root.isObject || root.isArray else { return false }
        switch self {
        case .trainingTarget:
            return root.isObject && root["exercises"] != nil && root["duration"] == nil && root["durationMillis"] == nil
        default:
            return !root.isObject || LayoutDetector.detect(root) == nil
        }
    }
}

/// The one rule that tells a training session from the rest of an export, for inbox files and zip entries alike.
///
/// A file is a session when it decodes as one, whatever its name (`activity-x.json` holding a session loads). A file
/// that does not decode is skipped when its name names a non-session kind *and* its content has that kind's shape;
/// otherwise — a `training-session-*` file that is broken, a file named like a kind whose content is not JSON or
/// looks like a session, a file of no known kind — it is quarantined with the decoder's reason.
public enum ExportFileKinds {
    /// The non-session kind of a file that did not decode as a session, or nil when it must be quarantined.
    /// `name` is the file's path or entry name (only its last component counts).
    public static func kind(name: String, bytes: [UInt8], limits: InputLimits) -> ExportFileKind? {
        guard let kind = kind(named: name) else { return nil }
        if kind == .stravaActivities {
            // A CSV, not JSON: Strava's header line.
            return bytes.starts(with: Array("Activity ID,".utf8)) ? kind : nil
        }
        guard let document = try? JSONParser.parse(bytes, maxDepth: limits.maxJSONDepth, maxValues: limits.maxJSONValues)
        else { return nil }
        return kind.matches(document.root) ? kind : nil
    }

    /// The kind a file's name claims, or nil (a `training-session` name, or a name of no known kind).
    public static func kind(named name: String) -> ExportFileKind? {
        let base = fileName(name).lowercased()
        guard !claimsSession(name) else { return nil }
        return ExportFileKind.allCases.first { kind in kind.namePrefixes.contains { base.hasPrefix($0) } }
    }

    /// Whether the file's name says it is a training session (`training-session-…`, `training_session…`).
    public static func claimsSession(_ name: String) -> Bool {
        let base = fileName(name).lowercased()
        return base.hasPrefix("training-session") || base.hasPrefix("training_session")
    }

    /// The last path component.
    static func fileName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}
