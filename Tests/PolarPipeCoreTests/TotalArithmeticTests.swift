import Foundation
import Testing
import PolarPipeTestSupport
@testable import PolarPipeCore

/// Values from files that used to stop the process or make it allocate without bound (issue "total arithmetic").
@Suite struct TotalArithmeticTests {
    /// 30 minutes of 1 Hz heart rate at `bpm`.
    func heartRate(_ bpm: Double = 150, seconds: Int = 1800) -> SampleSeries {
        SampleSeries(t: (0 ..< seconds).map(Double.init), value: Array(repeating: bpm, count: seconds))
    }

    @Test func aMaxHeartRateOf1e17GivesNoZonesInsteadOfATrap() {
        var samples = ExerciseSamples()
        samples.heartRate = heartRate()
        let alone = HeartRateProfile.resolve(session: PhysicalInformation(maxHR: 1e-17, restingHR: 50), user: nil, startLocalMillis: 0)
        #expect(alone.maxHR == nil)
        let s = ExerciseStatistics.compute(durationS: 1800, reportedDistanceM: nil, samples: samples, profile: alone)
        #expect(s.hrZonesS == nil && s.trimp == nil)
        #expect(s.hrAvg == 150)
        // Called directly with the bad value, zones refuse it too.
        #expect(TrainingLoad.zones(samples.heartRate, maxHR: 1e-17) == nil)
        #expect(TrainingLoad.zones(samples.heartRate, maxHR: .infinity) == nil)
        #expect(TrainingLoad.zones(samples.heartRate, maxHR: .nan) == nil)
    }

    @Test func anImplausibleSessionMaxHeartRateFallsBackToTheUsersOwn() throws {
        var samples = ExerciseSamples()
        samples.heartRate = heartRate()
        let profile = HeartRateProfile.resolve(session: PhysicalInformation(maxHR: 1e-17), user: PhysicalInformation(maxHR: 200),
                                               startLocalMillis: 0)
        #expect(profile.maxHR == 200)
        let s = ExerciseStatistics.compute(durationS: 1800, reportedDistanceM: nil, samples: samples, profile: profile)
        #expect(s.hrZonesS == [0, 0, 1800, 0, 0])  // 150 of 200 bpm is 75 %: zone 3
    }

    @Test func absurdPhysicalValuesAreNotUsedFromStoredRows() {
        // A user row written before the decoders checked plausibility.
        let user = PhysicalInformation(birthday: "1990-04-02", maxHR: 1e300, restingHR: -5)
        let start = PolarTime.localMillis("2026-03-01T08:00:00")!
        let profile = HeartRateProfile.resolve(session: nil, user: user, startLocalMillis: start)
        #expect(profile.maxHR == 185)  // 220 − 35: the stored 1e300 is ignored
        #expect(profile.restingHR == nil)
        // Resting above max: one of them is wrong, so neither is used.
        #expect(HeartRateProfile.resolve(session: PhysicalInformation(maxHR: 105, restingHR: 110), user: nil, startLocalMillis: start)
            == HeartRateProfile(maxHR: nil, restingHR: nil, sex: nil))
    }

    @Test(arguments: ["9223372036854775807-01-01", "1990-02-30", "1990-4-2", "abcd", "", "-1990-01-01", "1990-04-02T00:00:00"])
    func birthdaysThatAreNotDatesGiveNoAge(_ birthday: String) {
        #expect(HeartRateProfile.age(birthday: birthday, atLocalMillis: PolarTime.localMillis("2026-03-01T08:00:00")!) == nil)
    }

    @Test func aDistanceOf1e12GivesNoSplitsAndNoDistance() {
        var samples = ExerciseSamples()
        samples.distance = SampleSeries(t: [0, 1, 2, 3], value: [0, 500, 1e12, 1e12])
        samples.heartRate = heartRate(seconds: 4)
        let started = Date()
        let s = ExerciseStatistics.compute(durationS: 3600, reportedDistanceM: 1e12, samples: samples)
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(s.distanceM == nil)  // the reported 1e12 m in an hour is not a distance; there is no route
        #expect(s.splits.isEmpty)  // the curve ignores 1e12 and stops at 500 m
        #expect(s.best1kmS == nil)
        #expect(Splits.distanceCurve(samples, durationS: 3600).value == [0, 500])
    }

    /// Found by the fuzzer (docs/FUZZING.md): a 148-byte AccessLink file whose distance samples reach 10^11 m made the
    /// statistics allocate one split per kilometre and run out of memory.
    @Test func theFuzzersOutOfMemoryFileGivesNoDistanceAndNoSplits() throws {
        let file = "eyJzdGFydF90aW1lIjoiMjAyNi0wMi0yMlQwNzo1MDoxNyIsImR1cmF0aW9uIjoiUFQ2MFMiLCJzcG9ydCI6IlJVTk5JTkciLCJwb2xhcl91c2VyIjoidSIsInNhbXBsZXMiOlt7InNhbXBsZV90eXBlIjoxMCwicmVjb3JkaW5nX3JhdGUiOjEsImRhdGEiOiIwLDEwMDAwMDAwMDAwMCJ9XX0="
        let bytes = [UInt8](try #require(Data(base64Encoded: file)))
        let session = try #require(SessionDecoder.decode(bytes, limits: InputLimits()).session)
        let exercise = try #require(session.exercises.first)
        #expect(exercise.samples.distance.value == [0, 100_000_000_000])
        let started = Date()
        let s = ExerciseStatistics.compute(durationS: exercise.durationS, reportedDistanceM: exercise.distanceM, samples: exercise.samples)
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(s.splits.count <= exercise.samples.distance.count && s.distanceM == nil)
    }

    @Test func aDistanceChannelThatJumpsByAThousandKilometresMakesAtMostOneSplitPerSample() {
        // 1 000 km in one second is beyond any exercise of that length, but within 100 m/s × 7 days when the
        // duration is unknown: the split count is then bounded by the curve's samples.
        var samples = ExerciseSamples()
        samples.distance = SampleSeries(t: [0, 1, 2], value: [0, 1000, 1_000_000])
        #expect(Splits.compute(samples, durationS: 60).count == 1)
        let unbounded = Splits.compute(samples)
        #expect(unbounded.count <= samples.distance.count)
        #expect(unbounded.map(\.km) == [1, 2, 3])
    }

    @Test func aRouteJumpingBetweenAntipodesGivesNoDistanceAndNoSplits() {
        var samples = ExerciseSamples()
        for i in 0 ..< 3600 {
            let east = i % 2 == 0
            samples.route.append(Double(i), east ? 0.001 : -0.001, east ? 0 : 180, .nan)
        }
        let started = Date()
        let s = ExerciseStatistics.compute(durationS: 3600, reportedDistanceM: nil, samples: samples)
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(s.gpsPoints == 3600)
        #expect(s.gpsDistanceM == nil && s.distanceM == nil && s.avgSpeedKmh == nil)
        #expect(s.splits.isEmpty && s.best1kmS == nil && s.best10kmS == nil)
    }

    @Test func aGPSJumpWithinThePlausibleSpeedStillCounts() {
        // 0.01° of latitude (1 112 m) in a 60 s exercise is 18.5 m/s on average: plausible, summed as SPEC §4.1 says.
        var samples = ExerciseSamples()
        samples.route = RouteSeries(t: [0, 1], latitude: [60, 60.01], longitude: [24, 24], altitude: [.nan, .nan])
        let s = ExerciseStatistics.compute(durationS: 60, reportedDistanceM: nil, samples: samples)
        #expect(abs((s.gpsDistanceM ?? 0) - 1111.950802335329) < 1e-6)
        #expect(s.splits.count == 1)
    }

    @Test func absurdSampleValuesDoNotReachTheStatistics() {
        // 1 Hz for 10 s; two samples of each channel are absurd.
        var samples = ExerciseSamples()
        let t = (0 ..< 10).map(Double.init)
        samples.altitude = SampleSeries(t: t, value: [100, 100, 100, 100, 1e300, -1e300, 110, 110, 110, 110])
        samples.speed = SampleSeries(t: t, value: [10, 10, 10, 10, 1e300, .infinity, 10, 10, 10, 10])
        let s = ExerciseStatistics.compute(durationS: 10, reportedDistanceM: nil, samples: samples)
        #expect(s.elevationGainM == 10 && s.elevationLossM == 0)
        #expect(s.movingTimeS == 8)  // the eight plausible speed samples, 1 s each
    }

    @Test func localDaysOfExtremeTimesDoNotOverflow() {
        #expect(ExerciseSummary.localDay(utcMillis: .max, offsetMinutes: .max) == Int(Int64.max / 86_400_000))
        #expect(ExerciseSummary.localDay(utcMillis: .min, offsetMinutes: .min) == Int(Int64.min / 86_400_000) - 1)
        #expect(ExerciseSummary.localDay(utcMillis: -1, offsetMinutes: 0) == -1)
        #expect(ExerciseSummary.localDay(utcMillis: 86_400_000 - 60_000, offsetMinutes: 60) == 1)
    }

    @Test func checkedConversionsRefuseWhatIntWouldTrapOn() {
        for x in [Double.nan, .infinity, -.infinity, 1e300, -1e300, 9.3e18] {
            #expect(CheckedConversion.int(floor: x, in: Int.min ... Int.max) == nil)
        }
        #expect(CheckedConversion.int(floor: 7.9, in: 0 ... 10) == 7)
        #expect(CheckedConversion.int(floor: 11, in: 0 ... 10) == nil)
        #expect(CheckedConversion.clampedInt(floor: .nan, to: 5 ... 9) == 5)
        #expect(CheckedConversion.clampedInt(floor: 1.5e21, to: 5 ... 9) == 9)
        #expect(CheckedConversion.millis(seconds: 1e300, in: 0 ... .greatestFiniteMagnitude) == nil)
        #expect(CheckedConversion.millis(seconds: 1.5, in: 0 ... 10) == 1500)
        #expect(CheckedConversion.saturatingAdd(.max, 1) == .max && CheckedConversion.saturatingAdd(.min, -1) == .min)
    }
}
