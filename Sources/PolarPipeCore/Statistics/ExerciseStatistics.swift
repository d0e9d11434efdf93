/// Per-exercise statistics (SPEC §4.1): pure functions of an exercise's metadata and sample columns.
public struct ExerciseStatistics: Sendable, Codable, Equatable {
    public var hrSamples: Int
    public var hrMin: Double?
    public var hrMax: Double?
    public var hrAvg: Double?
    /// Sum of valid HR values, kept so a user's mean HR is exact.
    public var hrSum: Double
    public var gpsPoints: Int
    public var durationS: Double
    public var distanceM: Double?
    public var gpsDistanceM: Double?
    public var avgSpeedKmh: Double?
    public var paceMinPerKm: Double?
    public var elevationGainM: Double?
    public var elevationLossM: Double?
    public var movingTimeS: Double?
    /// Fastest time over 1, 5 and 10 km inside the exercise, seconds.
    public var best1kmS: Double?
    public var best5kmS: Double?
    public var best10kmS: Double?
    public var splits: [Split] = []
    /// Seconds in HR zones 1–5: of the profile's zone limits, else of % of max HR (nil when both are unknown).
    public var hrZonesS: [Double]?
    public var trimp: Double?
    /// RMSSD of the R-R intervals, ms (`HeartRateVariability`); nil without enough of them.
    public var hrvRMSSDMs: Double?
    /// Power and cadence; nil when the exercise has neither.
    public var power: PowerStatistics?
    /// The physiology zones, TRIMP and TSS were computed with (`HeartRateProfile.resolve`), so that a change of the
    /// user's physical information finds the exercises whose statistics it changes.
    public var profile: HeartRateProfile?

    public init(hrSamples: Int = 0, hrMin: Double? = nil, hrMax: Double? = nil, hrAvg: Double? = nil, hrSum: Double = 0,
                gpsPoints: Int = 0, durationS: Double, distanceM: Double? = nil, gpsDistanceM: Double? = nil,
                avgSpeedKmh: Double? = nil, paceMinPerKm: Double? = nil, elevationGainM: Double? = nil,
                elevationLossM: Double? = nil, movingTimeS: Double? = nil, hrZonesS: [Double]? = nil, trimp: Double? = nil) {
        self.movingTimeS = movingTimeS
        self.hrZonesS = hrZonesS
        self.trimp = trimp
        self.hrSamples = hrSamples
        self.hrMin = hrMin
        self.hrMax = hrMax
        self.hrAvg = hrAvg
        self.hrSum = hrSum
        self.gpsPoints = gpsPoints
        self.durationS = durationS
        self.distanceM = distanceM
        self.gpsDistanceM = gpsDistanceM
        self.avgSpeedKmh = avgSpeedKmh
        self.paceMinPerKm = paceMinPerKm
        self.elevationGainM = elevationGainM
        self.elevationLossM = elevationLossM
    }

    /// Computes the statistics. Samples may be unfiltered: only valid HR, valid GPS points and plausible values
    /// (`SamplePlausibility`) count. `reportedDistanceM` is the file's distance; it wins when present, > 0 and
    /// plausible for the duration.
    ///
    /// A duration of 0 is an exercise whose file gives no times (a GPX track without `<time>`: its samples are in
    /// file order, a nominal second apart). Only what does not depend on time is computed for it — HR min/avg/max,
    /// distances, elevation; speed, pace, moving time, zones, TRIMP, best efforts, splits, power and cadence are
    /// NULL rather than made up from the nominal times.
    public static func compute(durationS: Double, reportedDistanceM: Double?, samples: ExerciseSamples,
                               profile: HeartRateProfile = HeartRateProfile(maxHR: nil, restingHR: nil, sex: nil)) -> ExerciseStatistics {
        var stats = ExerciseStatistics(durationS: durationS)

        var count = 0
        var sum = 0.0
        var low = Double.infinity
        var high = -Double.infinity
        for bpm in samples.heartRate.value where SampleFilters.isValidHeartRate(bpm) {
            count += 1
            sum += bpm
            if bpm < low { low = bpm }
            if bpm > high { high = bpm }
        }
        stats.hrSamples = count
        stats.hrSum = sum
        if count > 0 {
            stats.hrMin = low
            stats.hrMax = high
            // The rounding of a long sum can put the mean an ulp outside [min, max].
            stats.hrAvg = min(high, max(low, sum / Double(count)))
        }

        let route = SampleFilters.validRoute(samples.route)
        stats.gpsPoints = route.count
        stats.gpsDistanceM = RoutePauses.pathLength(route, pauses: samples.pauses)
            .flatMap { SamplePlausibility.isPlausibleDistance($0, durationS: durationS) ? $0 : nil }

        if let reported = reportedDistanceM, reported > 0, SamplePlausibility.isPlausibleDistance(reported, durationS: durationS) {
            stats.distanceM = reported
        } else {
            stats.distanceM = stats.gpsDistanceM
        }
        if let distance = stats.distanceM, durationS > 0 {
            stats.avgSpeedKmh = distance / durationS * 3.6
            if distance >= 10 {
                stats.paceMinPerKm = (durationS / 60) / (distance / 1000)
            }
        }

        let elevation = Elevation.gainLoss(Elevation.altitudeSeries(barometric: samples.altitude, route: route).value)
        stats.elevationGainM = elevation?.gain
        stats.elevationLossM = elevation?.loss
        guard durationS > 0 else {
            stats.profile = profile.isEmpty ? nil : profile
            return stats
        }
        stats.movingTimeS = TrainingLoad.movingTime(speed: samples.speed, route: route, pauses: samples.pauses, durationS: durationS)
        stats.hrZonesS = profile.hrZones.map { TrainingLoad.zones(samples.heartRate, limits: $0, durationS: durationS) }
            ?? TrainingLoad.zones(samples.heartRate, maxHR: profile.maxHR, durationS: durationS)
        stats.trimp = TrainingLoad.trimp(samples.heartRate, profile: profile, durationS: durationS)
        let curve = Splits.distanceCurve(samples, durationS: durationS)
        stats.best1kmS = Splits.bestEffort(1000, curve: curve)
        stats.best5kmS = Splits.bestEffort(5000, curve: curve)
        stats.best10kmS = Splits.bestEffort(10_000, curve: curve)
        stats.splits = Splits.compute(samples, curve: curve)
        let power = PowerStatistics.compute(power: samples.power, cadence: samples.cadence, ftpW: profile.ftpW, durationS: durationS)
        stats.power = power.isEmpty ? nil : power
        stats.hrvRMSSDMs = HeartRateVariability.rmssd(samples.rr)
        stats.profile = profile.isEmpty ? nil : profile
        return stats
    }
}
