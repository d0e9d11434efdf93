/// The file layouts polarpipe reads. Every layout decodes into the same `TrainingSession`.
public enum PolarLayout: String, Sendable, Codable, CaseIterable {
    /// Polar Flow account export, `exportVersion` layout (`{dateTime, value}` samples).
    case flowExportOld = "flow-export-v1"
    /// Polar Flow account export, 2026 layout (`durationMillis`, channel arrays).
    case flowExportNew = "flow-export-v2"
    /// Polar AccessLink v3 exercise JSON.
    case accessLink = "accesslink-v3"
    /// Garmin FIT activity file (binary), as Polar, Garmin, Wahoo, Suunto and Coros devices write it.
    case fit = "fit"
    /// Garmin Training Center XML, as Polar Flow exports one session.
    case tcx = "tcx"
    /// GPS Exchange Format 1.0/1.1 track.
    case gpx = "gpx"
    /// Polar Flow's per-session CSV export (a header block, then one row a second).
    case polarCSV = "polar-csv"
}

/// One training session as delivered in one file: the physical information of its user and one or more
/// exercises (several for multisport).
public struct TrainingSession: Sendable, Codable, Equatable {
    public var layout: PolarLayout
    /// The session's own id when the file carries one.
    public var externalID: String?
    public var deviceID: String?
    /// The Polar user id (AccessLink `polar_user`).
    public var polarUserID: String?
    public var physical: PhysicalInformation?
    public var exercises: [Exercise]
    /// Problems that did not prevent loading (for example a missing time-zone offset).
    public var warnings: [Diagnostic]

    public init(layout: PolarLayout, externalID: String? = nil, deviceID: String? = nil,
                physical: PhysicalInformation? = nil, exercises: [Exercise], warnings: [Diagnostic] = []) {
        self.layout = layout
        self.externalID = externalID
        self.deviceID = deviceID
        self.physical = physical
        self.exercises = exercises
        self.warnings = warnings
    }
}

/// The user's physical settings as a file states them (`physicalInformationSnapshot`).
public struct PhysicalInformation: Sendable, Codable, Equatable {
    public var sex: String?
    /// `YYYY-MM-DD`.
    public var birthday: String?
    public var heightCm: Double?
    public var weightKg: Double?
    public var maxHR: Double?
    public var restingHR: Double?
    public var vo2max: Double?
    public var aerobicThreshold: Double?
    public var anaerobicThreshold: Double?
    /// Functional threshold power, W (`functionalThresholdPower`; FIT `user_profile`).
    public var ftpW: Double?
    /// When the snapshot was taken, local epoch milliseconds (orders snapshots of one user).
    public var recordedAtLocalMillis: Int64?

    public init(sex: String? = nil, birthday: String? = nil, heightCm: Double? = nil, weightKg: Double? = nil,
                maxHR: Double? = nil, restingHR: Double? = nil, vo2max: Double? = nil,
                aerobicThreshold: Double? = nil, anaerobicThreshold: Double? = nil, ftpW: Double? = nil,
                recordedAtLocalMillis: Int64? = nil) {
        self.sex = sex
        self.birthday = birthday
        self.heightCm = heightCm
        self.weightKg = weightKg
        self.maxHR = maxHR
        self.restingHR = restingHR
        self.vo2max = vo2max
        self.aerobicThreshold = aerobicThreshold
        self.anaerobicThreshold = anaerobicThreshold
        self.ftpW = ftpW
        self.recordedAtLocalMillis = recordedAtLocalMillis
    }

    /// True when no field is known.
    public var isEmpty: Bool {
        sex == nil && birthday == nil && heightCm == nil && weightKg == nil && maxHR == nil && restingHR == nil
            && vo2max == nil && ftpW == nil
    }
}

/// One exercise: metadata plus its sample columns. Times `t` are seconds from the exercise start.
public struct Exercise: Sendable, Codable, Equatable {
    public var externalID: String?
    /// Normalised sport enum name (`RUNNING`).
    public var sport: String
    /// The sport exactly as the file wrote it.
    public var sportRaw: String
    /// Local wall-clock start, epoch milliseconds as if the local time were UTC.
    public var startLocalMillis: Int64
    /// Minutes east of UTC; nil when the file does not say (UTC is then assumed).
    public var tzOffsetMinutes: Int?
    /// Local wall-clock stop when the file states one.
    public var stopLocalMillis: Int64?
    public var durationS: Double
    public var distanceM: Double?
    public var calories: Double?
    public var reportedHR: ReportedHeartRate?
    public var ascentM: Double?
    public var descentM: Double?
    /// The exercise's JSON with the bulky sample arrays removed.
    public var raw: String
    public var samples: ExerciseSamples
    /// The heart-rate zone limits the file states for this exercise (the watch's zones for its sport), if any.
    public var heartRateZones: HeartRateZoneLimits?
    /// The file gives the exercise no times at all (a GPX track without `<time>`): its duration is 0, its samples are
    /// in file order a nominal second apart, and nothing is computed from time (`ExerciseStatistics.compute`).
    public var untimed = false

    public init(externalID: String? = nil, sport: String, sportRaw: String, startLocalMillis: Int64,
                tzOffsetMinutes: Int?, stopLocalMillis: Int64? = nil, durationS: Double, distanceM: Double? = nil, calories: Double? = nil,
                reportedHR: ReportedHeartRate? = nil, ascentM: Double? = nil, descentM: Double? = nil,
                raw: String = "{}", samples: ExerciseSamples = ExerciseSamples()) {
        self.externalID = externalID
        self.sport = sport
        self.sportRaw = sportRaw
        self.startLocalMillis = startLocalMillis
        self.tzOffsetMinutes = tzOffsetMinutes
        self.stopLocalMillis = stopLocalMillis
        self.durationS = durationS
        self.distanceM = distanceM
        self.calories = calories
        self.reportedHR = reportedHR
        self.ascentM = ascentM
        self.descentM = descentM
        self.raw = raw
        self.samples = samples
    }

    /// UTC start in epoch milliseconds: local − offset (offset 0 when unknown).
    public var startUTCMillis: Int64 { startLocalMillis - Int64(tzOffsetMinutes ?? 0) * 60_000 }
}

/// The HR summary a file reports (not used for statistics: those come from samples).
public struct ReportedHeartRate: Sendable, Codable, Equatable {
    public var min: Double?
    public var avg: Double?
    public var max: Double?
    public init(min: Double? = nil, avg: Double? = nil, max: Double? = nil) {
        self.min = min
        self.avg = avg
        self.max = max
    }
}

/// A time series: `t[i]` seconds from the exercise start, `value[i]` its value. Missing values are not stored.
public struct SampleSeries: Sendable, Codable, Equatable {
    public var t: [Double]
    public var value: [Double]
    public init(t: [Double] = [], value: [Double] = []) {
        self.t = t
        self.value = value
    }
    public var count: Int { t.count }
    public var isEmpty: Bool { t.isEmpty }
    public mutating func append(_ time: Double, _ v: Double) {
        t.append(time)
        value.append(v)
    }
}

/// Route points; `altitude` is NaN where the point has none.
public struct RouteSeries: Sendable, Codable, Equatable {
    public var t: [Double]
    public var latitude: [Double]
    public var longitude: [Double]
    public var altitude: [Double]
    public init(t: [Double] = [], latitude: [Double] = [], longitude: [Double] = [], altitude: [Double] = []) {
        self.t = t
        self.latitude = latitude
        self.longitude = longitude
        self.altitude = altitude
    }
    public var count: Int { t.count }
    public mutating func append(_ time: Double, _ lat: Double, _ lon: Double, _ alt: Double) {
        t.append(time)
        latitude.append(lat)
        longitude.append(lon)
        altitude.append(alt)
    }

    // Equatable that treats NaN altitudes as equal.
    public static func == (a: RouteSeries, b: RouteSeries) -> Bool {
        a.t == b.t && a.latitude == b.latitude && a.longitude == b.longitude
            && a.altitude.count == b.altitude.count
            && zip(a.altitude, b.altitude).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
    }
}

/// All sample channels of one exercise that polarpipe uses.
public struct ExerciseSamples: Sendable, Codable, Equatable {
    public var heartRate = SampleSeries()
    /// km/h.
    public var speed = SampleSeries()
    /// m (barometric).
    public var altitude = SampleSeries()
    /// m, cumulative from the exercise start.
    public var distance = SampleSeries()
    public var route = RouteSeries()
    /// W.
    public var power = SampleSeries()
    /// rpm (steps a minute for running, as the watch writes it).
    public var cadence = SampleSeries()
    /// R-R intervals (beat to beat), ms; `t` is their running sum from the exercise start (files give no times).
    public var rr = SampleSeries()
    /// °C, as the device measures it (FIT `record.temperature`, GPX and TCX temperature extensions, Polar CSV).
    public var temperature = SampleSeries()
    /// Where the recording was paused, as the file says (a GPX track segment after the first, a TCX `Track` after the
    /// first of its lap): `t` is when it resumed, `value` how long it had stopped, s. No route leg across a pause
    /// counts in the GPS distance, the route's distance curve or its moving time (`RoutePauses`).
    public var pauses = SampleSeries()
    public init() {}

    /// The channels kept as `(t, value)` series beside HR and the route, by their stored name (`exercise_series.channel`),
    /// in the order the staged form writes them.
    public static let seriesChannels: [(name: String, keyPath: WritableKeyPath<ExerciseSamples, SampleSeries> & Sendable)] = [
        ("speed", \.speed), ("altitude", \.altitude), ("distance", \.distance), ("power", \.power), ("cadence", \.cadence),
        ("rr", \.rr), ("temperature", \.temperature), ("pause", \.pauses),
    ]
}

extension PhysicalInformation {
    /// Whether this snapshot is to replace `stored`, the user's: it says something, says something else, and is not
    /// older (an older snapshot never replaces a newer one, whatever order the files arrive in). The one rule both
    /// stores apply in `upsertUser`.
    public func replaces(_ stored: PhysicalInformation) -> Bool {
        guard !isEmpty, self != stored else { return false }
        if let old = stored.recordedAtLocalMillis, let new = recordedAtLocalMillis, new < old { return false }
        return true
    }
}
