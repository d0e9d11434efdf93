import Foundation
import Testing
@testable import PolarPipeCore
import PolarPipeTestSupport

/// The quirks real devices write, each in a small file built message by message.
@Suite struct FITQuirkTests {
    /// 2024-05-01T08:00:00Z as a FIT time.
    static let start: UInt64 = FITBuilder.fitTime(unixSeconds: 1_714_550_400)
    typealias F = FITBuilder.Field

    /// file_id, then `body`, then a session of `elapsed` s and an activity 2 h east of UTC.
    static func activity(start: UInt64 = start, elapsed: UInt64 = 60, bigEndian: Bool = false,
                         _ body: (inout FITBuilder) -> Void) -> FITBuilder {
        var w = FITBuilder()
        w.define(local: 0, global: 0, [.enumeration(0), .uint32z(3), .uint32(4)], bigEndian: bigEndian)
        w.message(local: 0, [4, 12345, start])
        body(&w)
        w.define(local: 14, global: 18, [.uint32(253), .uint32(2), .uint32(7), .enumeration(5), .enumeration(6), .uint8(16)],
                 bigEndian: bigEndian)
        w.message(local: 14, [start + elapsed, start, elapsed * 1000, 1, 0, 0])
        w.define(local: 15, global: 34, [.uint32(253), .uint32(5)], bigEndian: bigEndian)
        w.message(local: 15, [start + elapsed, start + elapsed + 7200])
        return w
    }

    /// Records of HR `hr(i)` and a position, one a second for `count` seconds.
    static func records(_ w: inout FITBuilder, count: Int = 60, bigEndian: Bool = false, hr: (Int) -> UInt64? = { 120 + UInt64($0 % 7) }) {
        w.define(local: 1, global: 20, [.uint32(253), .sint32(0), .sint32(1), .uint8(3), .uint16(2)], bigEndian: bigEndian)
        for i in 0 ..< count {
            w.message(local: 1, [start + UInt64(i), FITBuilder.semicircles(60.1 + Double(i) * 1e-5),
                                 FITBuilder.semicircles(24.9), hr(i), (20 + 500) * 5])
        }
    }

    static func decode(_ bytes: [UInt8]) throws -> (Exercise, DecodeOutcome) {
        let outcome = SessionDecoder.decode(bytes)
        let session = try #require(outcome.session, "\(outcome.diagnostics)")
        return (try #require(session.exercises.first), outcome)
    }

    @Test func hrvMessagesGiveTheRRIntervalsAndTheirRMSSD() throws {
        let file = Self.activity { w in
            Self.records(&w)
            // `hrv` (78): field 0 `time`, uint16 s × 1 000; one interval a message, the last one invalid.
            w.define(local: 3, global: 78, [.uint16(0)])
            for i in 0 ..< 20 { w.message(local: 3, [i % 2 == 0 ? 800 : 820]) }
            w.message(local: 3, [nil])
        }.file()
        let (e, _) = try Self.decode(file)
        #expect(e.samples.rr.count == 20 && e.samples.rr.value.prefix(2) == [800, 820])
        #expect(abs((e.samples.rr.t.last ?? 0) - 16.2) < 1e-9)
        let stats = ExerciseStatistics.compute(durationS: e.durationS, reportedDistanceM: nil, samples: e.samples)
        #expect(stats.hrvRMSSDMs == 20)
    }

    @Test func bothByteOrdersGiveTheSameExercise() throws {
        let little = try Self.decode(Self.activity { Self.records(&$0) }.file()).0
        let big = try Self.decode(Self.activity(bigEndian: true) { Self.records(&$0, bigEndian: true) }.file()).0
        #expect(little.samples.heartRate.count == 60)
        #expect(little.samples == big.samples)
        #expect(little.startLocalMillis == big.startLocalMillis)
        #expect(little.tzOffsetMinutes == 120)
        #expect(abs(big.samples.route.latitude[0] - 60.1) < 1e-7)
        #expect(big.samples.altitude.value.allSatisfy { $0 == 20 })
    }

    @Test func compressedTimestampsRollOverTheLastFullTimestamp() throws {
        let file = Self.activity { w in
            w.define(local: 2, global: 20, [.uint32(253), .uint8(3)])
            w.message(local: 2, [Self.start + 30, 100])  // a full timestamp, then only its low five bits
            w.define(local: 1, global: 20, [.uint8(3)])
            for i in 31 ..< 100 { w.compressedMessage(local: 1, timeOffset: UInt8((Self.start + UInt64(i)) & 0x1F), [UInt64(100 + i)]) }
        }.file()
        let (e, _) = try Self.decode(file)
        #expect(e.samples.heartRate.t == (30 ..< 100).map(Double.init))
        #expect(e.samples.heartRate.value == [100] + (31 ..< 100).map { Double(100 + $0) })
    }

    @Test(arguments: [true, false])
    func developerFieldsAreSteppedOverWithOrWithoutADeveloperDataID(_ declared: Bool) throws {
        let file = Self.activity { w in
            if declared {
                w.define(local: 3, global: 207, [.uint8(3), .bytes(1, size: 16)])
                w.message(local: 3, [0, 0])
                w.define(local: 4, global: 206, [.uint8(0), .uint8(1), .uint8(2), .string(3, size: 8)])
                w.message(local: 4, [0, 0, 0x84, nil], texts: [3: "Power"])
            }
            // Wahoo: developer fields with no developer_data_id or field_description at all.
            w.define(local: 1, global: 20, [.uint32(253), .uint8(3)], developer: [(0, 2, 0), (1, 5, 3)])
            for i in 0 ..< 30 { w.message(local: 1, [Self.start + UInt64(i), 140], developerBytes: [0xFF, 0x01, 9, 9, 9, 9, 9]) }
        }.file()
        let (e, outcome) = try Self.decode(file)
        #expect(e.samples.heartRate.count == 30)
        #expect(e.samples.heartRate.value.allSatisfy { $0 == 140 })
        #expect(e.raw.contains("\"developerFields\":[\"Power\"]") == declared)
        #expect(!outcome.diagnostics.contains { $0.severity == .error })
    }

    @Test func invalidValuesAreMissingSamplesNotNumbers() throws {
        let file = Self.activity { w in
            w.define(local: 1, global: 20, [.uint32(253), .sint32(0), .sint32(1), .uint8(3), .uint16(2), .uint16(7), .uint32(5)])
            for i in 0 ..< 20 {
                let valid = i % 2 == 0
                w.message(local: 1, [Self.start + UInt64(i), valid ? FITBuilder.semicircles(1) : nil, valid ? FITBuilder.semicircles(2) : nil,
                                     valid ? 150 : nil, valid ? 2600 : nil, valid ? 250 : nil, valid ? UInt64(i * 300) : nil])
            }
        }.file()
        let (e, _) = try Self.decode(file)
        let even = stride(from: 0.0, to: 20, by: 2).map { $0 }
        #expect(e.samples.heartRate.t == even)
        #expect(e.samples.route.t == even)
        #expect(e.samples.altitude.value.allSatisfy { $0 == 20 })
        #expect(e.samples.power.value.allSatisfy { $0 == 250 })
        #expect(e.samples.distance.value.last == 54)
    }

    @Test func aUInt32DeclaredWithOneByteIsReadAsOneByte() throws {
        // COROS: distance (uint32) declared with size 1; the HR after it must stay in place.
        let file = Self.activity { w in
            w.define(local: 1, global: 20, [.uint32(253), F(5, size: 1, baseType: 0x86), .uint8(3)])
            for i in 0 ..< 10 { w.message(local: 1, [Self.start + UInt64(i), UInt64(i * 10), 130]) }
        }.file()
        let (e, _) = try Self.decode(file)
        #expect(e.samples.heartRate.value == [Double](repeating: 130, count: 10))
        #expect(e.samples.distance.value == (0 ..< 10).map { Double($0) / 10 })
    }

    @Test func aTimestampSteppingBackIsPutInOrderAndNotDoubled() throws {
        let seconds: [UInt64] = [0, 1, 2, 3, 2, 4, 5, 6]
        let file = Self.activity { w in
            w.define(local: 1, global: 20, [.uint32(253), .uint8(3)])
            for (i, s) in seconds.enumerated() { w.message(local: 1, [Self.start + s, 100 + UInt64(i)]) }
        }.file()
        let (e, outcome) = try Self.decode(file)
        #expect(e.samples.heartRate.t == [0, 1, 2, 3, 4, 5, 6])
        #expect(e.samples.heartRate.value == [100, 101, 102, 103, 105, 106, 107])  // the first value of second 2 kept
        #expect(outcome.warnings.contains { $0.code == "fit-time-order" })
    }

    @Test func alternatingHRAndGPSRecordsOfOneSecondMergeIntoOneSample() throws {
        // Suunto: every second one record with HR, then one with the position, both with the same timestamp.
        let file = Self.activity { w in
            w.define(local: 1, global: 20, [.uint32(253), .uint8(3)])
            w.define(local: 2, global: 20, [.uint32(253), .sint32(0), .sint32(1), .uint32(5)])
            for i in 0 ..< 60 {
                w.message(local: 1, [Self.start + UInt64(i), 150])
                w.message(local: 2, [Self.start + UInt64(i), FITBuilder.semicircles(45), FITBuilder.semicircles(7), UInt64(i * 280)])
            }
        }.file()
        let (e, _) = try Self.decode(file)
        #expect(e.samples.heartRate.count == 60)
        #expect(e.samples.route.count == 60)
        #expect(e.samples.distance.count == 60)
        #expect(e.samples.heartRate.t == (0 ..< 60).map(Double.init))
    }

    @Test func anElapsedTimeShorterThanTheRecordsGivesWayToTheirSpan() throws {
        let (e, outcome) = try Self.decode(Self.activity(elapsed: 30) { Self.records(&$0, count: 60) }.file())
        #expect(e.durationS == 59)
        #expect(e.samples.heartRate.count == 60)
        #expect(outcome.warnings.contains { $0.code == "fit-elapsed-short" })
    }

    @Test func heartRateZeroThroughoutGivesNoHeartRateAndNoHRStatistics() throws {
        let (e, _) = try Self.decode(Self.activity { Self.records(&$0) { _ in 0 } }.file())
        #expect(e.samples.heartRate.isEmpty)
        #expect(e.reportedHR == nil)  // the session's avg_heart_rate is 0
        #expect(e.samples.route.count == 60)
        let stats = ExerciseStatistics.compute(durationS: e.durationS, reportedDistanceM: e.distanceM, samples: e.samples,
                                               profile: HeartRateProfile(maxHR: 190, restingHR: 50, sex: "MALE"))
        #expect(stats.hrAvg == nil)
        #expect(stats.hrMax == nil)
        #expect(stats.hrSamples == 0)
    }

    @Test func aHeaderClaimingZeroDataBytesIsReadToTheEnd() throws {
        let (e, outcome) = try Self.decode(Self.activity { Self.records(&$0) }.file(dataSize: 0))
        #expect(e.samples.heartRate.count == 60)
        #expect(e.tzOffsetMinutes == 120)
        #expect(outcome.warnings.contains { $0.code == "fit-data-size" })
    }

    @Test func twelveByteHeadersAreRead() throws {
        let (e, _) = try Self.decode(Self.activity { Self.records(&$0) }.file(headerSize: 12))
        #expect(e.samples.heartRate.count == 60)
    }

    @Test func chainedFilesAreAllRead() throws {
        let first = Self.activity { Self.records(&$0, count: 60) }.file()
        let second = Self.activity(start: Self.start + 600) { w in
            w.define(local: 1, global: 20, [.uint32(253), .uint8(3)])
            for i in 0 ..< 30 { w.message(local: 1, [Self.start + 600 + UInt64(i), 170]) }
        }.file()
        let outcome = SessionDecoder.decode(first + second)
        let session = try #require(outcome.session, "\(outcome.diagnostics)")
        #expect(session.exercises.count == 2)
        #expect(session.exercises.map(\.samples.heartRate.count) == [60, 30])
        #expect(session.exercises[1].startLocalMillis - session.exercises[0].startLocalMillis == 600_000)
        #expect(session.exercises[0].raw.contains("\"fitFiles\":2"))
    }

    @Test func emptyAndHeaderOnlyFilesAreRefusedWithAReason() throws {
        #expect(SessionDecoder.decode([]).firstError != nil)
        let headerOnly = FITBuilder().file()
        #expect(SessionDecoder.decode(headerOnly).firstError?.code == "fit-empty")
    }

    @Test func everyTruncationOfAFileIsQuarantinedAsTruncated() throws {
        let bytes = Self.activity { Self.records(&$0, count: 10) }.file()
        for length in 12 ..< bytes.count {
            let outcome = SessionDecoder.decode(Array(bytes.prefix(length)))
            #expect(outcome.session == nil, "\(length) of \(bytes.count) bytes")
            #expect(outcome.firstError?.code == "fit-truncated", "\(length) of \(bytes.count) bytes")
        }
    }

    @Test func anUndefinedLocalMessageTypeIsCorrupt() throws {
        var w = FITBuilder()
        w.define(local: 0, global: 0, [.enumeration(0)])
        w.message(local: 0, [4])
        var file = w.file()
        file.insert(0x05, at: 14 + w.data.count)  // a data message of local type 5, never defined
        file.insert(0x00, at: 14 + w.data.count + 1)
        file[4] = UInt8(w.data.count + 2)
        #expect(SessionDecoder.decode(file).firstError?.code == "fit-corrupt")
    }

    @Test func damagedBytesNeverCrashTheDecoder() throws {
        var rng = SeededRandom(seed: 15)
        let originals = [try RealSamples.fitBytes("compressed-speed-distance"), Self.activity { Self.records(&$0) }.file()]
        for original in originals {
            for _ in 0 ..< 300 {
                var bytes = original
                for _ in 0 ..< 1 + Int(rng.next() % 8) {
                    bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
                }
                let outcome = SessionDecoder.decode(bytes)
                #expect(outcome.session != nil || outcome.firstError != nil)
            }
        }
    }

    @Test func theUserProfileBecomesPhysicalInformationWithoutImplausibleValues() throws {
        func profile(maxHR: UInt64) throws -> (PhysicalInformation?, DecodeOutcome) {
            let file = Self.activity { w in
                w.define(local: 5, global: 3, [.enumeration(1), .uint8(3), .uint16(4), .uint8(8), .uint8(11)])
                w.message(local: 5, [0, 168, 612, 48, maxHR])
                Self.records(&w)
            }.file()
            let outcome = SessionDecoder.decode(file)
            return (outcome.session?.physical, outcome)
        }
        let (physical, _) = try profile(maxHR: 187)
        #expect(physical == PhysicalInformation(sex: "FEMALE", heightCm: 168, weightKg: 61.2, maxHR: 187, restingHR: 48,
                                                recordedAtLocalMillis: physical?.recordedAtLocalMillis))
        let (implausible, outcome) = try profile(maxHR: 40)
        #expect(implausible?.maxHR == nil)
        #expect(implausible?.weightKg == 61.2)
        #expect(outcome.warnings.contains { $0.code == "implausible-value" })
    }

    @Test(arguments: [(UInt64(2), UInt64(6), "INDOOR_CYCLING"), (1, 1, "TREADMILL_RUNNING"), (5, 17, "POOL_SWIMMING"),
                      (11, 0, "WALKING"), (17, 0, "HIKING"), (200, 0, "FIT_SPORT_200")])
    func sportAndSubSportAreNamedAsPolarNamesThem(_ sport: UInt64, _ subSport: UInt64, _ name: String) throws {
        var w = FITBuilder()
        Self.records(&w)
        w.define(local: 14, global: 18, [.uint32(253), .uint32(2), .uint32(7), .enumeration(5), .enumeration(6)])
        w.message(local: 14, [Self.start + 60, Self.start, 60_000, sport, subSport])
        let (e, _) = try Self.decode(w.file())
        #expect(e.sport == name)
        #expect(e.sportRaw == "\(sport)/\(subSport)")
    }
}
