import Foundation
import Testing
@testable import PolarPipeCore
import PolarPipeTestSupport

/// The real FIT files, checked against an independent reading: the expected numbers were read with Python's
/// fitdecode 0.11.0 (`FitReader`, CRC check off), records assigned to the session whose start precedes them,
/// HR 0 and invalid values dropped, one value a second per channel.
@Suite struct FITRealFileTests {
    func decode(_ name: String) throws -> (TrainingSession, [Diagnostic]) {
        let outcome = SessionDecoder.decode(try RealSamples.fitBytes(name))
        let session = try #require(outcome.session, "\(outcome.diagnostics)")
        return (session, outcome.diagnostics)
    }

    func local(_ text: String) -> Int64 { PolarTime.localMillis(text) ?? -1 }

    @Test func aGarminRunLoadsWithTheWatchsValuesAndItsOffset() throws {
        let (session, diagnostics) = try decode("activity-small-fenix2-run")
        #expect(session.layout == .fit)
        #expect(session.deviceID == "3882015183")
        let e = try #require(session.exercises.first)
        #expect(session.exercises.count == 1)
        #expect(e.sport == "RUNNING")
        // session.start_time 14:45:08Z; activity local_timestamp − timestamp = 2 h.
        #expect(e.tzOffsetMinutes == 120)
        #expect(e.startLocalMillis == local("2015-08-15T16:45:08"))
        #expect(e.distanceM == 9008.22)
        #expect(e.calories == 516)
        #expect(e.ascentM == 64)
        #expect(e.descentM == 61)
        #expect(e.reportedHR == nil)  // the session has no HR summary
        #expect(e.samples.heartRate.count == 2808)
        #expect(e.samples.heartRate.value.max() == 178)
        #expect(e.samples.route.count == 2809)
        #expect(abs(e.samples.route.latitude[0] - 58.95918281748891) < 1e-9)
        #expect(abs(e.samples.route.longitude[0] - 5.728839039802551) < 1e-9)
        #expect(e.samples.distance.value.last == 9007.07)
        #expect(e.samples.cadence.count == 2809)
        #expect(e.samples.cadence.value.max() == 102)
        #expect(abs((e.samples.speed.value.max() ?? 0) - 21.456) < 1e-9)  // 5.96 m/s
        #expect(e.samples.altitude.count == 2809)
        #expect(abs((e.samples.altitude.value.max() ?? 0) - 142.4) < 1e-9)
        // The records span 2833 s, the session says 2832 s elapsed.
        #expect(e.samples.heartRate.t.last == 2833)
        #expect(e.durationS == 2833)
        #expect(diagnostics.contains { $0.code == "fit-elapsed-short" })
        #expect(!diagnostics.contains { $0.code == "fit-crc" })
    }

    @Test func aWahooRideKeepsPowerCadenceAndTheSessionSummary() throws {
        let (session, diagnostics) = try decode("2019-02-17-062644-ELEMNT")
        let e = try #require(session.exercises.first)
        #expect(e.sport == "CYCLING")
        #expect(e.sportRaw == "2")
        #expect(e.tzOffsetMinutes == 480)
        #expect(e.startLocalMillis == local("2019-02-17T14:26:44"))
        #expect(e.durationS == 23595)
        #expect(e.distanceM == 78940.55)
        #expect(e.calories == 1724)
        #expect(e.reportedHR == ReportedHeartRate(min: 66, avg: 124, max: 170))
        #expect(e.ascentM == 185)
        #expect(e.descentM == 89)
        #expect(e.samples.heartRate.count == 13402)
        #expect(e.samples.heartRate.value.max() == 170)
        #expect(e.samples.power.count == 13346)
        #expect(e.samples.power.value.max() == 648)
        #expect(e.samples.cadence.count == 13345)
        #expect(e.samples.cadence.value.max() == 150)
        #expect(e.samples.route.count == 13348)
        #expect(e.samples.distance.count == 13425)
        #expect(e.samples.distance.value.last == 78938.18)
        #expect(abs((e.samples.altitude.value.min() ?? 0) - 7.6) < 1e-9)
        #expect(e.raw.contains("\"developerFields\":["))
        #expect(e.raw.contains("\"totalTimerTime\":13471"))
        #expect(!diagnostics.contains { $0.severity == .error })
    }

    @Test func anIndoorTrainerRideHasPowerButNoRouteAndNoOffset() throws {
        let (session, diagnostics) = try decode("sample-activity-indoor-trainer")
        let e = try #require(session.exercises.first)
        #expect(e.sport == "CYCLING")
        #expect(e.tzOffsetMinutes == nil)
        #expect(diagnostics.contains { $0.code == "missing-timezone" })
        #expect(e.startLocalMillis == local("2011-11-02T12:54:19"))
        #expect(e.distanceM == nil)  // total_distance 0
        #expect(e.samples.route.count == 0)
        #expect(e.samples.distance.count == 0)
        #expect(e.samples.power.count == 2222)
        #expect(e.samples.power.value.max() == 331)
        #expect(e.samples.heartRate.count == 2263)
        #expect(e.samples.heartRate.value.max() == 176)
        #expect(e.reportedHR == ReportedHeartRate(avg: 148, max: 176))
        #expect(e.durationS == 2263)  // elapsed 2261.85 s, records to 2263 s
    }

    @Test func developerFieldsInEveryRecordDoNotDisturbTheStandardFields() throws {
        let (session, _) = try decode("developer-types-sample")
        let e = try #require(session.exercises.first)
        #expect(e.sport == "RUNNING")
        #expect(e.startLocalMillis == local("2017-01-17T17:06:47"))
        #expect(e.samples.heartRate.count == 3424)
        #expect(e.samples.heartRate.value.max() == 146)
        #expect(e.samples.power.count == 3424)
        #expect(e.samples.power.value.max() == 314)
        #expect(e.samples.cadence.value.max() == 88)
        #expect(e.samples.route.count == 3424)
        #expect(e.samples.distance.value.first == 1)
        #expect(e.samples.distance.value.last == 6753.99)
        #expect(e.distanceM == 6753.99)
        #expect(e.raw.contains("\"developerFields\":["))
    }

    @Test func aTriathlonOfFourChainedFilesGivesFiveExercises() throws {
        let (session, diagnostics) = try decode("sample_mulitple_header")
        #expect(session.exercises.map(\.sport) == ["OPEN_WATER_SWIMMING", "TRANSITION", "CYCLING", "TRANSITION", "RUNNING"])
        #expect(session.exercises.map(\.sportRaw) == ["5/18", "3/0", "2/0", "3/0", "1/0"])
        #expect(session.exercises.allSatisfy { $0.tzOffsetMinutes == 120 })
        #expect(session.exercises.map(\.startLocalMillis) == ["09:33:01", "10:06:08", "10:08:58", "11:22:40", "11:23:41"].map {
            local("2018-05-27T" + $0)
        })
        #expect(session.exercises.map(\.distanceM) == [1644.71, 141.7, 40909.42, 31.93, 9805.92])
        // The records' HR (6, 38, 854, 14, 518 values) with the strap's stored beats (`hr` messages) filling the swim,
        // the first transition and the start of the ride (FITTemperatureAndSwimHRTests).
        #expect(session.exercises.map(\.samples.heartRate.count) == [1987, 170, 1377, 14, 518])
        #expect(session.exercises.map { ($0.samples.heartRate.value.max() ?? 0).rounded() } == [174, 184, 182, 169, 187])
        #expect(session.exercises.map(\.samples.route.count) == [38, 38, 854, 14, 518])
        // The records' distance runs on over the whole race; each exercise counts from its own start.
        #expect(session.exercises[0].samples.distance.value.last == 1644.71)
        #expect(session.exercises[2].samples.distance.value.last == 40914.45)  // 42695.83 − 1781.38
        #expect(session.exercises[4].samples.distance.value.last == 9805.92)  // 52533.68 − 42727.76
        #expect(session.exercises[0].raw.contains("\"fitFiles\":4"))
        #expect(!diagnostics.contains { $0.code == "fit-crc" || $0.code == "fit-trailing-bytes" })
    }

    @Test func deviceRelativeTimestampsAreAnchoredOnTheLocalTimestampWithAWarning() throws {
        let (session, diagnostics) = try decode("compressed-speed-distance")
        let e = try #require(session.exercises.first)
        #expect(diagnostics.contains { $0.code == "fit-relative-time" })
        // local_timestamp 2012-02-13 12:21:03 at activity time 17221751; the session starts 3887 s earlier.
        #expect(e.startLocalMillis == local("2012-02-13T11:16:16"))
        #expect(e.tzOffsetMinutes == nil)
        #expect(e.samples.heartRate.count == 754)
        #expect(e.samples.heartRate.value.max() == 189)
        #expect(e.samples.heartRate.t.first == 5)
        #expect(e.samples.heartRate.t.last == 3880)
        // compressed_speed_distance: 12-bit distance in 1/16 m, accumulated over its roll-overs.
        #expect(e.samples.distance.count == 754)
        #expect(e.samples.distance.value.last == 10248.6875)
        #expect(abs((e.samples.speed.value.max() ?? 0) - 15.408) < 1e-9)
        #expect(e.samples.cadence.count == 753)
        #expect(e.reportedHR == ReportedHeartRate(avg: 170, max: 190))
        #expect(e.durationS == 3883.273)
    }

    @Test func aTruncatedFileIsQuarantinedWithTheReason() throws {
        let outcome = SessionDecoder.decode(try RealSamples.fitBytes("activity-unexpected-eof"))
        #expect(outcome.session == nil)
        #expect(outcome.firstError?.code == "fit-truncated")
    }

    @Test func aWrongCRCIsAWarningWhenTheDataDecodes() throws {
        var bytes = try RealSamples.fitBytes("activity-small-fenix2-run")
        bytes[bytes.count - 1] ^= 0x5A
        let outcome = SessionDecoder.decode(bytes)
        #expect(outcome.session?.exercises.first?.samples.heartRate.count == 2808)
        #expect(outcome.warnings.contains { $0.code == "fit-crc" })
    }

    @Test func everyRealFileIsRecognisedAsFIT() throws {
        let files = try RealSamples.fitFiles()
        #expect(files.count == 7)
        for url in files {
            #expect(OtherFormats.detect([UInt8](try Data(contentsOf: url))) == .fit, "\(url.lastPathComponent)")
        }
    }
}

/// `generate --layout fit` files decode back to the generator's session.
@Suite struct FITRoundTripTests {
    @Test func generatedFITFilesDecodeToTheGeneratedValues() throws {
        let data = SyntheticData(users: 2, sessionsPerUser: 3, seed: 5, durationSeconds: 600, layout: .fit)
        for u in 0 ..< data.users {
            for s in 0 ..< data.sessionsPerUser {
                let (bytes, generated) = data.makeSession(user: u, index: s)
                #expect(generated.layout == .fit)
                #expect(generated.relativePath.hasSuffix(".fit"))
                let outcome = SessionDecoder.decode(bytes)
                let session = try #require(outcome.session, "\(outcome.diagnostics)")
                #expect(session.layout == .fit)
                #expect(!outcome.warnings.contains { $0.code == "fit-crc" })
                let decoded = try #require(session.exercises.first)
                let intended = generated.exercises[0]
                #expect(decoded.sport == intended.sport)
                #expect(decoded.startLocalMillis == intended.startLocalMillis)
                #expect(decoded.tzOffsetMinutes == intended.tzOffsetMinutes)
                #expect(decoded.durationS == intended.durationS)
                #expect(decoded.distanceM == intended.reportedDistanceM)
                #expect(decoded.calories == Double(intended.calories))
                // FIT has no 0 bpm (no reading) and 255 is its invalid value: both are missing samples.
                let hr = intended.heartRate.enumerated().compactMap { i, v in v.flatMap { $0 > 0 && $0 < 255 ? (Double(i), $0) : nil } }
                #expect(decoded.samples.heartRate.t == hr.map(\.0))
                #expect(decoded.samples.heartRate.value == hr.map(\.1))
                #expect(decoded.samples.route.t == intended.route.t)
                #expect(zip(decoded.samples.route.latitude, intended.route.latitude).allSatisfy { abs($0 - $1) < 1e-12 })
                #expect(zip(decoded.samples.route.longitude, intended.route.longitude).allSatisfy { abs($0 - $1) < 1e-12 })
                let distance = intended.distance.compactMap { $0 }
                #expect(decoded.samples.distance.count == distance.count)
                #expect(zip(decoded.samples.distance.value, distance).allSatisfy { abs($0 - $1) < 0.005 })
                let speed = intended.speed.compactMap { $0 }
                #expect(zip(decoded.samples.speed.value, speed).allSatisfy { abs($0 - $1) < 0.002 })  // 1 mm/s steps
                let altitude = intended.altitude.compactMap { $0 }
                #expect(zip(decoded.samples.altitude.value, altitude).allSatisfy { abs($0 - $1) <= 0.1 + 1e-9 })  // 0.2 m steps
                #expect(session.physical?.maxHR == generated.physical.maxHR)
                #expect(session.physical?.restingHR == generated.physical.restingHR)
                #expect(session.physical?.sex == generated.physical.sex)
            }
        }
    }
}
