/// The numeric columns of `exercise_statistics` added after SPEC's (power, cadence, HRV and the physiology used), named
/// once here so that both stores write and read them the same way.
extension ExerciseStatistics {
    /// Column names, in order; `profile_sex` and `profile_hr_zones` (text) are the columns beside them.
    public static let extendedColumnNames: [String] = [
        "power_avg_w", "power_max_w", "power_np_w", "intensity_factor", "tss",
        "best_power_5s_w", "best_power_1min_w", "best_power_5min_w", "best_power_20min_w",
        "power_zone1_s", "power_zone2_s", "power_zone3_s", "power_zone4_s", "power_zone5_s", "power_zone6_s", "power_zone7_s",
        "cadence_avg", "cadence_max",
        "profile_max_hr", "profile_resting_hr", "profile_ftp_w", "hrv_rmssd_ms",
    ]

    /// The values of `extendedColumnNames`, in order.
    public var extendedColumnValues: [Double?] {
        let p = power
        let zones: [Double?] = p?.zonesS.map { $0.map(Optional.some) } ?? Array(repeating: nil, count: 7)
        return [p?.avgW, p?.maxW, p?.normalizedW, p?.intensityFactor, p?.tss,
                p?.best5sW, p?.best1minW, p?.best5minW, p?.best20minW]
            + zones
            + [p?.cadenceAvg, p?.cadenceMax, profile?.maxHR, profile?.restingHR, profile?.ftpW, hrvRMSSDMs]
    }

    /// Sets power, cadence and profile from stored columns: `value` gives a column's value by name, `sex` the stored
    /// `profile_sex`, `hrZones` the stored `profile_hr_zones`. A row written before these columns existed reads as no
    /// power and no profile.
    public mutating func readExtendedColumns(sex: String?, hrZones: String? = nil, _ value: (String) -> Double?) {
        var p = PowerStatistics()
        p.avgW = value("power_avg_w")
        p.maxW = value("power_max_w")
        p.normalizedW = value("power_np_w")
        p.intensityFactor = value("intensity_factor")
        p.tss = value("tss")
        p.best5sW = value("best_power_5s_w")
        p.best1minW = value("best_power_1min_w")
        p.best5minW = value("best_power_5min_w")
        p.best20minW = value("best_power_20min_w")
        let zones = (1 ... 7).map { value("power_zone\($0)_s") }
        p.zonesS = zones[0] == nil ? nil : zones.map { $0 ?? 0 }
        p.cadenceAvg = value("cadence_avg")
        p.cadenceMax = value("cadence_max")
        power = p.isEmpty ? nil : p
        hrvRMSSDMs = value("hrv_rmssd_ms")
        let profile = HeartRateProfile(maxHR: value("profile_max_hr"), restingHR: value("profile_resting_hr"), sex: sex,
                                       ftpW: value("profile_ftp_w"), hrZones: hrZones.flatMap(HeartRateZoneLimits.init(text:)))
        self.profile = profile.isEmpty ? nil : profile
    }
}
