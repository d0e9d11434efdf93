import Foundation
import Testing
import PolarPipeTestSupport
@testable import PolarPipeCore

/// Per-sport heart-rate zones: the file's own limits, else the sport's configured ones, else % of max HR. The
/// expected seconds were computed from the files with an independent Python reading (valid HR, each sample weighing
/// min(Δt to the next, the recording interval) inside the duration, zone 5 ending at the watch's top limit) and
/// sit within a second of the watch's own time in zones (`inZone`), which a user sees in Polar Flow.
@Suite struct HeartRateZoneTests {
    struct RealFile: Sendable, CustomStringConvertible {
        var prefix: String
        var lower: [Double]
        var upper: Double
        var ours: [Double]
        /// The file's `inZone` per zone, seconds.
        var watch: [Double]
        var description: String { prefix }
    }

    static let realFiles = [
        RealFile(prefix: "leewc__training-session-2024-06-24", lower: [95, 114, 133, 152, 171], upper: 190,
                 ours: [47, 877.774, 1382, 1391, 46], watch: [47.013, 878.055, 1381.414, 1390.996, 45.999]),
        // HR reaches 201 bpm, above the watch's top limit of 188: those 384 s are in no zone, as the watch counts.
        RealFile(prefix: "leewc__training-session-2026-01-22", lower: [94, 113, 132, 150, 169], upper: 188,
                 ours: [40, 22, 54, 164, 1160], watch: [40.007, 21.999, 54.001, 164.003, 1159.994]),
        // AccessLink: zones set by the user (96–124–139–156–173–192), not the default % of max.
        RealFile(prefix: "axs192__sample_data", lower: [96, 124, 139, 156, 173], upper: 192,
                 ours: [256, 609, 5419, 1939.604, 0], watch: [256, 609, 5419, 1940, 0]),
        RealFile(prefix: "axs192__other_data_sample", lower: [96, 115, 134, 154, 173], upper: 192,
                 ours: [445, 108, 0, 0, 0], watch: [444, 108, 0, 0, 0]),
    ]

    /// A record of `e` as the store gives it to the statistics.
    static func record(_ e: Exercise, sport: String? = nil) -> ExerciseRecord {
        ExerciseRecord(id: 1, userID: 1, fileID: 1, exerciseIndex: 0, sport: sport ?? e.sport, startUTCMillis: e.startUTCMillis,
                       tzOffsetMinutes: e.tzOffsetMinutes, durationS: e.durationS, distanceM: e.distanceM, calories: e.calories,
                       heartRateZones: e.heartRateZones)
    }

    @Test(arguments: realFiles)
    func aPolarFilesOwnZonesGiveTheWatchsTimeInZones(_ file: RealFile) throws {
        let outcome = SessionDecoder.decode(try RealSamples.bytes(prefix: file.prefix))
        let e = try #require(outcome.session?.exercises.first, "\(outcome.diagnostics)")
        let zones = try #require(e.heartRateZones)
        #expect(zones.lowerBPM == file.lower && zones.upperBPM == file.upper)
        let profile = CalculateStatistics.profile(Self.record(e), [:])
        #expect(profile.hrZones == zones)
        let seconds = try #require(ExerciseStatistics.compute(durationS: e.durationS, reportedDistanceM: e.distanceM, samples: e.samples,
                                                              profile: profile).hrZonesS)
        for k in 0 ..< 5 {
            #expect(abs(seconds[k] - file.ours[k]) < 1e-6, "zone \(k + 1): \(seconds)")
            #expect(abs(seconds[k] - file.watch[k]) <= 1.01, "zone \(k + 1) against the watch's \(file.watch[k]) s")
        }
    }

    @Test func aWahooFITsHrZoneMessagesGiveItsZones() throws {
        let outcome = SessionDecoder.decode(try RealSamples.fitBytes("2019-02-17-062644-ELEMNT"))
        let e = try #require(outcome.session?.exercises.first, "\(outcome.diagnostics)")
        // Five hr_zone messages, high_bpm 124, 144, 163, 182, 254: zone 1 up to 124, zone 5 open (254 is no heart rate).
        let zones = try #require(e.heartRateZones)
        #expect(zones.lowerBPM == [30, 124, 144, 163, 182] && zones.upperBPM == nil)
        let stats = ExerciseStatistics.compute(durationS: e.durationS, reportedDistanceM: e.distanceM, samples: e.samples,
                                               profile: CalculateStatistics.profile(Self.record(e), [:]))
        #expect(stats.hrZonesS == [6125, 5749, 1418, 110, 0])
    }

    @Test func theFilesZonesComeBeforeTheConfiguredOnesWhichComeBeforePercentOfMax() throws {
        var configured = SportHeartRateZones()
        let accepted = configured.set(sport: "cycling", text: "120,140,155,170")
        #expect(accepted)
        let fileZones = try #require(HeartRateZoneLimits(lowerBPM: [100, 110, 120, 130, 140], upperBPM: 150))
        var e = Exercise(sport: "ROAD_CYCLING", sportRaw: "38", startLocalMillis: 0, tzOffsetMinutes: 0, durationS: 60)
        let physical = PhysicalInformation(maxHR: 200)
        var record = Self.record(e)
        record.physical = physical
        record.heartRateZones = fileZones
        #expect(CalculateStatistics.profile(record, [:], zones: configured).hrZones == fileZones)
        record.heartRateZones = nil
        #expect(CalculateStatistics.profile(record, [:], zones: configured).hrZones?.lowerBPM == [30, 120, 140, 155, 170])
        record.sport = "RUNNING"
        let byMax = CalculateStatistics.profile(record, [:], zones: configured)
        #expect(byMax.hrZones == nil && byMax.maxHR == 200)

        // 60 s at 150 bpm: zone 5 of the file's (140–150), zone 3 of the configured ones (140–155), and zone 3 of
        // % of a 200 bpm max too (75 %: 70–80 %).
        e.samples.heartRate = SampleSeries(t: (0 ..< 60).map(Double.init), value: Array(repeating: 150, count: 60))
        func zones(_ profile: HeartRateProfile) -> [Double]? {
            ExerciseStatistics.compute(durationS: 60, reportedDistanceM: nil, samples: e.samples, profile: profile).hrZonesS
        }
        #expect(zones(HeartRateProfile(maxHR: 200, restingHR: nil, sex: nil, hrZones: fileZones)) == [0, 0, 0, 0, 60])
        #expect(zones(CalculateStatistics.profile(Self.record(e, sport: "INDOOR_CYCLING"), [:], zones: configured)) == [0, 0, 60, 0, 0])
        #expect(zones(byMax) == [0, 0, 60, 0, 0])
    }

    @Test func samplesBelowZoneOneAndAboveTheTopLimitAreInNoZone() throws {
        let limits = try #require(HeartRateZoneLimits(lowerBPM: [100, 120, 140, 160, 180], upperBPM: 190))
        // One second each at 90 (none), 100 (z1), 119 (z1), 120 (z2), 159 (z3), 180 (z5), 190 (z5), 191 (none).
        let hr = SampleSeries(t: (0 ..< 8).map(Double.init), value: [90, 100, 119, 120, 159, 180, 190, 191])
        #expect(TrainingLoad.zones(hr, limits: limits, durationS: 8) == [2, 1, 1, 0, 2])
    }

    static let configuredTexts: [(String, [Double], Double?)] = [
        ("120,140,155,170", [30, 120, 140, 155, 170], nil),
        ("100, 120, 140, 160, 180", [100, 120, 140, 160, 180], nil),
        ("100,120,140,160,180,195", [100, 120, 140, 160, 180], 195),
    ]

    @Test(arguments: configuredTexts)
    func configuredZonesTakeFourToSixAscendingLimits(_ text: String, _ lower: [Double], _ upper: Double?) {
        var zones = SportHeartRateZones()
        let accepted = zones.set(sport: "Running", text: text)
        #expect(accepted)
        #expect(zones.limits(forSport: "TREADMILL_RUNNING")?.lowerBPM == lower)
        #expect(zones.limits(forSport: "RUNNING")?.upperBPM == upper)
        #expect(zones.limits(forSport: "WALKING") == nil)
    }

    @Test(arguments: ["140,120,155,170", "120,140,155", "120,140,155,170,180,190,200", "20,140,155,170,180", "120,140,x,170",
                      "120,140,155,300", "nan,140,155,170", "", "1e308,1e309,155,170"])
    func configuredZonesThatAreNotAscendingHeartRatesAreRefused(_ text: String) {
        var zones = SportHeartRateZones()
        let accepted = zones.set(sport: "cycling", text: text)
        #expect(!accepted)
        #expect(zones.bySport.isEmpty)
    }

    @Test func aSportsOwnKeyWinsOverItsLastWord() {
        var zones = SportHeartRateZones()
        let accepted = zones.set(sport: "cycling", text: "120,140,155,170")
        #expect(accepted)
        let acceptedOwn = zones.set(sport: "road_cycling", text: "125,145,160,175")
        #expect(acceptedOwn)
        #expect(zones.limits(forSport: "ROAD_CYCLING")?.lowerBPM == [30, 125, 145, 160, 175])
        #expect(zones.limits(forSport: "INDOOR_CYCLING")?.lowerBPM == [30, 120, 140, 155, 170])
        #expect(zones.limits(forSport: "CYCLING")?.lowerBPM == [30, 120, 140, 155, 170])
    }

    @Test func storedLimitsReadBackAndAnythingElseReadsAsNone() throws {
        let limits = try #require(HeartRateZoneLimits(lowerBPM: [95, 114, 133, 152.5, 171], upperBPM: 190))
        #expect(limits.text == "95,114,133,152.5,171,190")
        #expect(HeartRateZoneLimits(text: limits.text) == limits)
        #expect(HeartRateZoneLimits(text: "95,114,133,152,171")?.upperBPM == nil)
        for bad in ["", "95,114", "95,114,133,152,171,190,200", "95,114,133,152,abc", "171,152,133,114,95", "95,114,133,152,171,160"] {
            #expect(HeartRateZoneLimits(text: bad) == nil, "\(bad)")
        }
    }

    @Test func zonesAFileStatesWronglyAreIgnoredWithAWarning() throws {
        let exercise = """
            "zones": {"heart_rate": [{"lowerLimit": 150, "higherLimit": 140, "zoneIndex": 1}, {"lowerLimit": 140, "higherLimit": 160, "zoneIndex": 2},
              {"lowerLimit": 160, "higherLimit": 170, "zoneIndex": 3}, {"lowerLimit": 170, "higherLimit": 180, "zoneIndex": 4},
              {"lowerLimit": 180, "higherLimit": 190, "zoneIndex": 5}]},
            """
        let text = """
            {"exportVersion": "2.2", "startTime": "2024-05-01T10:00:00.000", "timeZoneOffset": 60, "duration": "PT60S",
             "exercises": [{"startTime": "2024-05-01T10:00:00.000", "timezoneOffset": 60, "duration": "PT60S", "sport": "RUNNING",
                            \(exercise) "samples": {}}]}
            """
        let outcome = SessionDecoder.decode(Array(text.utf8))
        let e = try #require(outcome.session?.exercises.first, "\(outcome.diagnostics)")
        #expect(e.heartRateZones == nil)
        #expect(outcome.warnings.contains { $0.code == "implausible-value" && $0.path == "$.exercises[0].zones.heart_rate" })
        // Ascending, they are read, zone 5's upper limit with them.
        let ordered = text.replacingOccurrences(of: #""lowerLimit": 150, "higherLimit": 140"#, with: #""lowerLimit": 120, "higherLimit": 140"#)
        let good = SessionDecoder.decode(Array(ordered.utf8))
        #expect(good.session?.exercises.first?.heartRateZones?.lowerBPM == [120, 140, 160, 170, 180])
        #expect(good.session?.exercises.first?.heartRateZones?.upperBPM == 190)
    }

    @Test func theConfigurationReadsZonesPerSportAndNamesTheKeyOfABadOne() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zones-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("polarpipe.toml")
        try "[zones]\ncycling = [120, 140, 155, 170]\nrunning = [110, 130, 145.5, 160, 175]\n".write(to: file, atomically: true, encoding: .utf8)
        let config = try ConfigurationLoader.load(file: file, environment: ["POLARPIPE_ZONES_ROAD_CYCLING": "125,145,160,175"])
        #expect(config.heartRateZones.limits(forSport: "INDOOR_CYCLING")?.lowerBPM == [30, 120, 140, 155, 170])
        #expect(config.heartRateZones.limits(forSport: "ROAD_CYCLING")?.lowerBPM == [30, 125, 145, 160, 175])
        #expect(config.heartRateZones.limits(forSport: "RUNNING")?.lowerBPM == [110, 130, 145.5, 160, 175])

        try "[zones]\nrunning = [150, 140, 160, 170]\n".write(to: file, atomically: true, encoding: .utf8)
        let error = #expect(throws: ConfigurationError.self) { try ConfigurationLoader.load(file: file, environment: [:]) }
        #expect(error?.message.contains("zones.running") == true)
        #expect(error?.message.contains("ascending") == true)
        try "[zones]\nrunning = [150, \"fast\", 160, 170]\n".write(to: file, atomically: true, encoding: .utf8)
        let mixed = #expect(throws: ConfigurationError.self) { try ConfigurationLoader.load(file: file, environment: [:]) }
        #expect(mixed?.message.contains("zones.running") == true)
    }
}
