import Testing
@testable import PolarPipeCore

/// The duplicate-exercise rule: exact between Polar JSON layouts, tolerant across formats, and a richer copy wins.
@Suite struct DuplicateExerciseTests {
    /// 2025-02-11T14:18:00Z.
    static let t0: Int64 = 1_739_283_480_000

    static func footprint(_ layout: PolarLayout, sport: String = "RUNNING", start: Int64 = t0, offset: Int? = 480,
                          duration: Double = 3_600, channels: SampleChannels = [.heartRate, .route], id: Int64 = 1) -> ExerciseFootprint {
        ExerciseFootprint(id: id, fileID: id, layout: layout, sport: sport, startUTCMillis: start, tzOffsetMinutes: offset,
                          durationS: duration, channels: channels)
    }

    @Test func polarJSONCopiesMatchOnSportAndTheConfiguredTolerance() {
        let stored = Self.footprint(.flowExportOld)
        #expect(DuplicateExercise.decide(Self.footprint(.accessLink, start: Self.t0 + 2_000, id: 2), among: [stored], toleranceMillis: 2_000) == .duplicate(of: 1))
        #expect(DuplicateExercise.decide(Self.footprint(.accessLink, start: Self.t0 + 2_001, id: 2), among: [stored], toleranceMillis: 2_000) == .insert)
        #expect(DuplicateExercise.decide(Self.footprint(.flowExportNew, sport: "TRAIL_RUNNING", id: 2), among: [stored], toleranceMillis: 2_000) == .insert)
    }

    @Test func aTCXWhoseIdIsTwentyThreeSecondsOffMatchesThePolarExport() {
        let polar = Self.footprint(.flowExportOld)
        // A TCX states UTC and no offset; Garmin Connect's Id is up to 23 s off the first lap.
        let tcx = Self.footprint(.tcx, start: Self.t0 + 23_000, offset: nil, duration: 3_590, channels: [.heartRate, .route], id: 2)
        #expect(DuplicateExercise.decide(tcx, among: [polar], toleranceMillis: 2_000) == .duplicate(of: 1))
        #expect(DuplicateExercise.decide(Self.footprint(.tcx, start: Self.t0 + 61_000, offset: nil, id: 2), among: [polar], toleranceMillis: 2_000) == .insert)
    }

    @Test func aPolarCSVOnLocalTimeMatchesItsTCXTwinHoursApart() {
        // Polar's CSV writes the local start with no offset: 2 h from the same session's TCX (UTC).
        let tcx = Self.footprint(.tcx, start: Self.t0, offset: nil, channels: [.heartRate, .route, .speed])
        let csv = Self.footprint(.polarCSV, start: Self.t0 + 2 * 3_600_000 + 1_000, offset: nil, duration: 3_400,
                                 channels: [.heartRate, .speed], id: 2)
        #expect(DuplicateExercise.decide(csv, among: [tcx], toleranceMillis: 2_000) == .duplicate(of: 1))
        // Not a whole quarter hour apart: another session.
        let other = Self.footprint(.polarCSV, start: Self.t0 + 2 * 3_600_000 + 7 * 60_000, offset: nil, id: 2)
        #expect(DuplicateExercise.decide(other, among: [tcx], toleranceMillis: 2_000) == .insert)
        // With both offsets known the starts must agree in UTC.
        let known = Self.footprint(.fit, start: Self.t0 + 3_600_000, offset: 60, id: 2)
        #expect(DuplicateExercise.decide(known, among: [Self.footprint(.flowExportOld)], toleranceMillis: 2_000) == .insert)
    }

    @Test func sportsOfOneFamilyOrAGenericSportAreCompatible() {
        #expect(DuplicateExercise.compatibleSports("CYCLING", "ROAD_CYCLING"))
        #expect(DuplicateExercise.compatibleSports("MOUNTAIN_BIKING", "INDOOR_CYCLING"))
        #expect(DuplicateExercise.compatibleSports("RUNNING", "OTHER_OUTDOOR"))
        #expect(DuplicateExercise.compatibleSports("TREADMILL_RUNNING", "UNKNOWN"))
        #expect(!DuplicateExercise.compatibleSports("RUNNING", "CYCLING"))
        #expect(!DuplicateExercise.compatibleSports("SQUASH", "FOOTBALL"))
    }

    @Test func spansOfVeryDifferentLengthAreDifferentSessions() {
        let ride = Self.footprint(.fit, sport: "CYCLING", duration: 7_200)
        let warmUp = Self.footprint(.gpx, sport: "CYCLING", offset: nil, duration: 600, id: 2)
        #expect(DuplicateExercise.decide(warmUp, among: [ride], toleranceMillis: 2_000) == .insert)
    }

    @Test func aStrictlyRicherCopyReplacesAndAnEqualOrPoorerOneIsADuplicate() {
        let gpx = Self.footprint(.gpx, sport: "CYCLING", offset: nil, channels: [.route])
        let fit = Self.footprint(.fit, sport: "CYCLING", channels: [.route, .heartRate, .power], id: 2)
        #expect(DuplicateExercise.decide(fit, among: [gpx], toleranceMillis: 2_000) == .replace([1]))
        #expect(DuplicateExercise.decide(gpx, among: [fit], toleranceMillis: 2_000) == .duplicate(of: 2))
        // Different channels, neither a superset: the first copy stays.
        let hrOnly = Self.footprint(.tcx, sport: "CYCLING", offset: nil, channels: [.heartRate, .cadence], id: 3)
        #expect(DuplicateExercise.decide(hrOnly, among: [gpx], toleranceMillis: 2_000) == .duplicate(of: 1))
        // Two Polar JSON copies are one recording: the first stays whatever its channels.
        let export = Self.footprint(.flowExportOld, sport: "CYCLING", channels: [.route])
        let accessLink = Self.footprint(.accessLink, sport: "CYCLING", channels: [.route, .heartRate], id: 4)
        #expect(DuplicateExercise.decide(accessLink, among: [export], toleranceMillis: 2_000) == .duplicate(of: 1))
        // An exercise stored before channels were recorded counts as having all of them.
        let legacy = Self.footprint(.gpx, sport: "CYCLING", offset: nil, channels: .all)
        #expect(DuplicateExercise.decide(fit, among: [legacy], toleranceMillis: 2_000) == .duplicate(of: 1))
    }

    @Test func extremeStartsNeitherTrapNorMatch() {
        let a = Self.footprint(.fit, start: .max, offset: nil)
        let b = Self.footprint(.tcx, start: .min, offset: nil, id: 2)
        #expect(DuplicateExercise.decide(b, among: [a], toleranceMillis: 2_000) == .insert)
        // An unbounded tolerance matches anything of a compatible sport, and does not trap either.
        #expect(DuplicateExercise.decide(b, among: [a], toleranceMillis: .max) == .duplicate(of: 1))
        #expect(DuplicateExercise.searchWindowMillis(toleranceMillis: 2_000) == 14 * 3_600_000 + 60_000)
        #expect(DuplicateExercise.searchRange(around: .max, toleranceMillis: .max) == 0 ... .max)
    }
}
