/// The ranges a person's physical information must lie in to be used, in one place for every decoder and for the
/// statistics (which also check what older database rows hold).
///
/// A value outside its range is a typing error in the watch's settings or a damaged file; it is dropped (with a
/// warning when a file is decoded) rather than quarantining a session whose samples are fine.
///
/// | value | plausible | why |
/// |---|---|---|
/// | max HR | 100–250 bpm | 220 − age is 100 at 120 years; the HR filter tops out at 250 |
/// | resting HR | 25–120 bpm, below max HR | trained endurance athletes reach the high 20s |
/// | weight | 20–300 kg | |
/// | height | 100–250 cm | |
/// | birthday | a real date from 1900-01-01 up to the session's own date | |
/// | VO2max | 10–100 ml/kg/min | the highest measured values are in the 90s |
/// | aerobic / anaerobic threshold | 60–250 bpm, aerobic below anaerobic | |
/// | functional threshold power | 30–700 W | world-class cyclists hold about 450 W for an hour |
public enum PhysicalPlausibility {
    public static let maxHR: ClosedRange<Double> = 100 ... 250
    public static let restingHR: ClosedRange<Double> = 25 ... 120
    public static let weightKg: ClosedRange<Double> = 20 ... 300
    public static let heightCm: ClosedRange<Double> = 100 ... 250
    public static let vo2max: ClosedRange<Double> = 10 ... 100
    public static let thresholdHR: ClosedRange<Double> = 60 ... 250
    public static let functionalThresholdPowerW: ClosedRange<Double> = 30 ... 700
    /// Days since 1970-01-01 of 1900-01-01, the earliest plausible birthday.
    public static let earliestBirthdayDay = PolarTime.daysFromCivil(1900, 1, 1)

    /// One dropped value: its file key (as the layout spells it) and why.
    public struct Finding: Sendable, Equatable {
        public var key: String
        public var message: String
    }

    /// How a layout spells the keys of its physical information (the two Flow layouts differ in height and weight).
    public struct Keys: Sendable {
        public var height: String
        public var weight: String
        public static let oldLayout = Keys(height: "height, cm", weight: "weight, kg")
        public static let newLayout = Keys(height: "heightCm", weight: "weightKg")
    }

    /// Days since 1970-01-01 of a `YYYY-MM-DD` birthday that is a real date; nil otherwise.
    public static func birthdayDay(_ text: String) -> Int? {
        guard let millis = PolarTime.localMillis(text + "T00:00:00") else { return nil }
        return Int(exactly: millis / 86_400_000)
    }

    /// `info` with every implausible value removed, and one finding per removed value. `asOfLocalMillis` is the
    /// session's date: a birthday after it is in the future as the file sees it.
    public static func checked(_ info: PhysicalInformation, asOfLocalMillis: Int64?, keys: Keys = .newLayout)
        -> (PhysicalInformation, [Finding]) {
        var out = info
        var findings: [Finding] = []
        func keep(_ value: Double?, _ range: ClosedRange<Double>, _ key: String, _ unit: String) -> Double? {
            guard let value else { return nil }
            if range.contains(value) { return value }
            findings.append(Finding(key: key, message: "\(value) \(unit) is outside \(Format.number(range.lowerBound, digits: 0))–"
                                    + "\(Format.number(range.upperBound, digits: 0)) \(unit); ignored"))
            return nil
        }
        out.maxHR = keep(info.maxHR, maxHR, "maximumHeartRate", "bpm")
        out.restingHR = keep(info.restingHR, restingHR, "restingHeartRate", "bpm")
        if let rest = out.restingHR, let max = out.maxHR, rest >= max {
            findings.append(Finding(key: "restingHeartRate", message: "resting HR \(rest) is not below max HR \(max); both ignored"))
            out.restingHR = nil
            out.maxHR = nil
        }
        out.weightKg = keep(info.weightKg, weightKg, keys.weight, "kg")
        out.heightCm = keep(info.heightCm, heightCm, keys.height, "cm")
        out.vo2max = keep(info.vo2max, vo2max, "vo2Max", "ml/kg/min")
        out.aerobicThreshold = keep(info.aerobicThreshold, thresholdHR, "aerobicThreshold", "bpm")
        out.anaerobicThreshold = keep(info.anaerobicThreshold, thresholdHR, "anaerobicThreshold", "bpm")
        out.ftpW = keep(info.ftpW, functionalThresholdPowerW, "functionalThresholdPower", "W")
        if let aerobic = out.aerobicThreshold, let anaerobic = out.anaerobicThreshold, aerobic >= anaerobic {
            findings.append(Finding(key: "aerobicThreshold",
                                    message: "aerobic threshold \(aerobic) is not below anaerobic threshold \(anaerobic); both ignored"))
            out.aerobicThreshold = nil
            out.anaerobicThreshold = nil
        }
        if let birthday = info.birthday {
            let latest = asOfLocalMillis.map(ExerciseSummary.day(ofLocalMillis:)) ?? Int.max
            if let day = birthdayDay(birthday), day >= earliestBirthdayDay, day <= latest {
                out.birthday = birthday
            } else {
                out.birthday = nil
                findings.append(Finding(key: "birthday",
                                        message: "'\(birthday)' is not a date from 1900-01-01 up to the session's date; ignored"))
            }
        }
        return (out, findings)
    }

    /// `info` with implausible values removed (for values already stored).
    public static func sanitized(_ info: PhysicalInformation?) -> PhysicalInformation? {
        info.map { checked($0, asOfLocalMillis: nil).0 }
    }
}
