/// What polarpipe takes from the messages of one `.fit` file (every FIT file chained in it), before it becomes a
/// `TrainingSession`. Times are raw FIT timestamps (seconds since 1989-12-31T00:00:00Z, or device-relative).
struct FITActivity {
    /// A `session` (or `lap`) message's summary; values scaled to seconds, metres, m/s.
    struct Summary {
        var start: UInt32?
        var end: UInt32?
        var sport: UInt8?
        var subSport: UInt8?
        var elapsed: Double?
        var timer: Double?
        var distance: Double?
        var calories: Double?
        var avgHR: Double?
        var maxHR: Double?
        var minHR: Double?
        var ascent: Double?
        var descent: Double?
        var avgPower: Double?
        var maxPower: Double?
        var avgCadence: Double?
        var maxCadence: Double?
        var avgSpeed: Double?
        var avgTemperature: Double?
    }

    /// `record` messages as columns; NaN where a record has no (valid) value.
    struct Records {
        var time: [UInt32] = []
        var heartRate: [Double] = []
        var latitude: [Double] = []
        var longitude: [Double] = []
        var altitude: [Double] = []
        /// m/s.
        var speed: [Double] = []
        /// m, as the device accumulates it.
        var distance: [Double] = []
        var cadence: [Double] = []
        var power: [Double] = []
        /// °C.
        var temperature: [Double] = []

        var count: Int { time.count }

        mutating func reserve(_ n: Int) {
            for keyPath in [\Records.heartRate, \.latitude, \.longitude, \.altitude, \.speed, \.distance, \.cadence, \.power,
                            \.temperature] {
                self[keyPath: keyPath].reserveCapacity(n)
            }
            time.reserveCapacity(n)
        }
    }

    /// `user_profile`: the athlete's settings.
    struct Profile {
        var gender: Double?
        var heightM: Double?
        var weightKg: Double?
        var restingHR: Double?
        var maxHR: Double?
    }

    var sessions: [Summary] = []
    var laps: [Summary] = []
    var lapCount = 0
    var records = Records()
    /// `activity.timestamp` and `activity.local_timestamp` (their difference is the time-zone offset).
    var activityTime: UInt32?
    var activityLocalTime: UInt32?
    var manufacturer: UInt64?
    var product: UInt64?
    var serialNumber: UInt64?
    var timeCreated: UInt32?
    var profile: Profile?
    /// `sport` messages: sport, sub-sport, name.
    var sports: [(sport: UInt8?, subSport: UInt8?, name: String?)] = []
    var events = 0
    /// Timer pauses from `event` messages (timer stop, then start): when the timer started again and when it had
    /// stopped, raw FIT times, at most `maxPauses`.
    var timerPauses: [(resumed: UInt32, stopped: UInt32)] = []
    /// The time of a timer stop not yet followed by a start.
    var timerStoppedAt: UInt32?
    /// More timer pauses than one a second for a day are not kept.
    static let maxPauses = 86_400
    var hrvIntervals = 0
    /// The `hrv` messages' R-R intervals, ms, in file order (at most `maxRRIntervals`).
    var rrIntervalsMs: [Double] = []
    /// A week of beats at 240 bpm: more R-R intervals than that are not kept.
    static let maxRRIntervals = 2_500_000
    var devices = 0
    /// `hr` messages: the beats a swim strap stored.
    var strap = FITStrapHeartRate()
    /// `hr_zone` messages: each zone's `high_bpm` by `message_index` (or arrival), at most 16.
    var hrZoneUpperBPM: [(index: Double, bpm: Double)] = []
    /// `zones_target.max_heart_rate`: the max HR the watch's zones are set from.
    var zonesMaxHR: Double?
    /// Developer field names (`field_description`), the first 64.
    var developerFields: [String] = []
    /// Records without any timestamp to place them.
    var untimedRecords = 0
    /// FIT files chained in the file.
    var files = 0

    /// The most sessions (exercises) one file may hold.
    static let maxSessions = 100
    /// The most laps kept for the summary.
    static let maxLaps = 1000
}
