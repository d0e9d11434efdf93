import Foundation
import Testing
import PolarPipeTestSupport
@testable import PolarPipeCore

/// The generator's TCX, GPX and Polar CSV files decode back to exactly what the generator says it wrote.
@Suite struct TextFormatGeneratorTests {
    /// A 1 Hz channel as the decoders give it: one sample a second that has a value.
    static func series(_ values: [Double?]) -> SampleSeries {
        var s = SampleSeries()
        for (i, v) in values.enumerated() { if let v { s.append(Double(i), v) } }
        return s
    }

    static func roundTrip(_ layout: SyntheticLayout, seed: UInt64, user: Int = 0)
        throws -> (GeneratedExercise, Exercise, DecodeOutcome, GeneratedSession) {
        let data = SyntheticData(users: 2, sessionsPerUser: 3, seed: seed, durationSeconds: 1500, layout: layout)
        let (bytes, generated) = data.makeSession(user: user, index: 1)
        let outcome = SessionDecoder.decode(bytes)
        let session = try #require(outcome.session, "\(outcome.diagnostics)")
        #expect(session.layout == layout.polarLayout)
        return (generated.exercises[0], try #require(session.exercises.first), outcome, generated)
    }

    @Test(arguments: [UInt64(1), 7, 42])
    func aGeneratedTCXDecodesToWhatWasWritten(_ seed: UInt64) throws {
        let (g, e, outcome, _) = try Self.roundTrip(.tcx, seed: seed)
        #expect(e.startLocalMillis == g.startLocalMillis && e.tzOffsetMinutes == nil)  // the first lap's start, not the Id
        #expect(outcome.warnings.contains { $0.code == "missing-timezone" })
        #expect(e.sport == (g.sport == "WALKING" ? "OTHER" : g.sport))
        #expect(abs(e.durationS - g.durationS) < 1e-9)
        #expect(e.samples.heartRate == Self.series(g.heartRate))
        #expect(e.samples.speed == Self.series(g.speed))
        #expect(e.samples.distance == Self.series(g.distance))
        #expect(e.samples.route == g.route)
        #expect(e.samples.altitude.isEmpty)
        #expect(abs((e.distanceM ?? 0) - (g.distance.last.flatMap { $0 } ?? 0)) < 1e-6)
        #expect(e.calories == Double(g.calories))
    }

    @Test(arguments: [UInt64(1), 7, 42])
    func aGeneratedGPXDecodesToWhatWasWritten(_ seed: UInt64) throws {
        let (g, e, _, _) = try Self.roundTrip(.gpx, seed: seed)
        #expect(e.startLocalMillis == g.startLocalMillis && e.tzOffsetMinutes == nil)
        #expect(e.sport == g.sport)
        #expect(e.durationS == g.durationS)
        #expect(e.samples.heartRate == Self.series(g.heartRate))
        #expect(e.samples.route == g.route)
        let expected = Self.series(g.distance)
        #expect(e.samples.distance.t == expected.t)
        #expect(zip(e.samples.distance.value, expected.value).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(abs((e.distanceM ?? 0) - g.reportedDistanceM) < 1e-6)
    }

    @Test func aGPSJumpStartsANewSegmentThatAddsNoDistance() throws {
        // The generator puts a one-point jump of 0.01° in latitude and longitude (about 1.3 km away and back) into some
        // routes: the GPX writer starts a segment at each of the two steps.
        func hasJump(_ seed: UInt64) -> Bool {
            let r = SyntheticData(users: 2, sessionsPerUser: 3, seed: seed, durationSeconds: 1500).makeSession(user: 0, index: 1, layout: .old).1.route
            return r.count > 1 && (1 ..< r.count).contains { Geo.haversine(r.latitude[$0 - 1], r.longitude[$0 - 1], r.latitude[$0], r.longitude[$0]) > 500 }
        }
        let seed = try #require((UInt64(1) ... 60).first(where: hasJump))
        let (bytes, _) = SyntheticData(users: 2, sessionsPerUser: 3, seed: seed, durationSeconds: 1500, layout: .gpx).makeSession(user: 0, index: 1)
        #expect(String(decoding: bytes, as: UTF8.self).components(separatedBy: "<trkseg>").count == 4)
        let (g, e, _, _) = try Self.roundTrip(.gpx, seed: seed)
        let joined = try #require(Geo.pathLength(latitude: g.route.latitude, longitude: g.route.longitude))
        #expect(joined - (e.distanceM ?? 0) > 2000)  // both steps of the jump left out
    }

    @Test(arguments: [UInt64(1), 7, 42])
    func aGeneratedPolarCSVDecodesToWhatWasWritten(_ seed: UInt64) throws {
        let (g, e, outcome, generated) = try Self.roundTrip(.csv, seed: seed, user: 1)
        #expect(e.startLocalMillis == g.startLocalMillis && e.tzOffsetMinutes == nil)
        #expect(e.sport == g.sport)
        #expect(e.durationS == g.durationS)
        #expect(e.distanceM == g.reportedDistanceM)
        #expect(e.samples.heartRate == Self.series(g.heartRate))
        #expect(e.samples.speed == Self.series(g.speed))
        #expect(e.samples.altitude == Self.series(g.altitude))
        #expect(e.samples.distance == Self.series(g.distance))
        #expect(e.samples.route.count == 0)
        let physical = try #require(outcome.session?.physical)
        #expect(physical.maxHR == generated.physical.maxHR && physical.restingHR == generated.physical.restingHR)
        #expect(physical.heightCm == generated.physical.heightCm && physical.weightKg == generated.physical.weightKg)
    }

    @Test func theSameSessionStartsAtTheSameInstantInTCXAndGPXAndAtTheLocalTimeInCSV() throws {
        let data = SyntheticData(users: 1, sessionsPerUser: 1, seed: 5, durationSeconds: 600)
        let (json, _) = data.makeSession(user: 0, index: 0, layout: .old)
        let reference = try #require(SessionDecoder.decode(json).session?.exercises.first)
        let tcx = try #require(SessionDecoder.decode(data.makeSession(user: 0, index: 0, layout: .tcx).0).session?.exercises.first)
        let csv = try #require(SessionDecoder.decode(data.makeSession(user: 0, index: 0, layout: .csv).0).session?.exercises.first)
        #expect(tcx.startUTCMillis == reference.startUTCMillis)
        #expect(csv.startLocalMillis == reference.startLocalMillis - reference.startLocalMillis % 1000)
    }
}
