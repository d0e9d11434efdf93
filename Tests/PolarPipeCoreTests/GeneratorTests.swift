import Foundation
import Testing
import PolarPipeTestSupport
@testable import PolarPipeCore

/// `polarpipe generate`'s data: every file of every layout decodes to what the generator meant to write, the same
/// session gives the same statistics in every layout, and a seed gives the same bytes every time.
@Suite(.timeLimit(.minutes(3))) struct GeneratorTests {
    static let fileLayouts: [SyntheticLayout] = [.old, .new, .accesslink]

    func temporaryFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("polarpipe-gen-\(UUID().uuidString.prefix(8))", isDirectory: true)
    }

    /// Writes `data` to a fresh folder; returns the folder and what was written.
    func generate(_ data: SyntheticData) throws -> (URL, [GeneratedSession]) {
        let out = temporaryFolder()
        var sessions: [GeneratedSession] = []
        try data.write(to: out) { sessions.append($0) }
        return (out, sessions)
    }

    func decode(_ out: URL, _ generated: GeneratedSession) throws -> TrainingSession {
        let bytes = [UInt8](try Data(contentsOf: out.appendingPathComponent(generated.relativePath)))
        let outcome = SessionDecoder.decode(bytes)
        return try #require(outcome.session, "\(generated.relativePath): \(outcome.diagnostics)")
    }

    /// The statistics the `calculate_exercise_statistics` task stores for `exercise`: valid HR and GPS only, the
    /// athlete's profile resolved from the session's physical information, else the user's (AccessLink files have
    /// none; the user's settings are the generator's).
    func statistics(_ exercise: Exercise, of session: TrainingSession, athlete: PhysicalInformation) -> ExerciseStatistics {
        let record = ExerciseRecord(id: 1, userID: 1, fileID: 1, exerciseIndex: 0, sport: exercise.sport,
                                    startUTCMillis: exercise.startUTCMillis, tzOffsetMinutes: exercise.tzOffsetMinutes,
                                    durationS: exercise.durationS, distanceM: exercise.distanceM, calories: exercise.calories,
                                    physical: session.physical)
        let users = [Int64(1): UserRecord(id: 1, userKey: "athlete", polarUserID: nil, physical: athlete, updatedAt: 0)]
        var samples = exercise.samples
        samples.heartRate = SampleFilters.validHeartRate(samples.heartRate)
        samples.route = SampleFilters.validRoute(samples.route)
        return ExerciseStatistics.compute(durationS: exercise.durationS, reportedDistanceM: exercise.distanceM, samples: samples,
                                          profile: CalculateStatistics.profile(record, users))
    }

    @Test(arguments: fileLayouts)
    func everyGeneratedFileDecodesToTheSessionTheGeneratorIntended(_ layout: SyntheticLayout) throws {
        let data = SyntheticData(users: 2, sessionsPerUser: 4, seed: 7, durationSeconds: 900, layout: layout)
        let (out, sessions) = try generate(data)
        defer { try? FileManager.default.removeItem(at: out) }
        #expect(sessions.count == 8)
        for generated in sessions {
            #expect(generated.layout == layout)
            let session = try decode(out, generated)
            #expect(session.layout == layout.polarLayout)
            #expect(session.exercises.count == generated.exercises.count, "\(generated.relativePath)")
            // The same session as the old layout writes it: what every layout must agree on, to its own precision.
            let truth = data.makeSession(user: generated.userIndex, index: generated.sessionIndex, layout: .old).1.exercises[0]
            for (decoded, intended) in zip(session.exercises, generated.exercises) {
                #expect(decoded.startUTCMillis == intended.startLocalMillis - Int64(intended.tzOffsetMinutes) * 60_000)
                #expect(decoded.tzOffsetMinutes == intended.tzOffsetMinutes)
                // AccessLink's `PT1H2M3.456S` is summed from its parts: a last-bit difference from 3723.456.
                #expect(abs(decoded.durationS - intended.durationS) < 1e-6)
                #expect(decoded.sport == intended.sport)
                #expect(SampleFilters.validHeartRate(decoded.samples.heartRate).count == intended.validHeartRate.count)
                let expectedHR = intended.heartRate.enumerated().compactMap { i, v in v.map { (Double(i), $0) } }
                #expect(decoded.samples.heartRate.t == expectedHR.map(\.0))
                #expect(decoded.samples.heartRate.value == expectedHR.map(\.1))
                #expect(decoded.samples.route == intended.route)
                #expect(abs((decoded.distanceM ?? -1) - intended.reportedDistanceM) < 1e-9)
            }
            if generated.exercises.count == 1 {
                // Whole metres (AccessLink) or float32 (exports) of the same distance: within 1 m of each other.
                #expect(abs((session.exercises[0].distanceM ?? -1) - truth.reportedDistanceM) <= 1)
                // The new layout and AccessLink drop the start's milliseconds, nothing more.
                #expect(truth.startLocalMillis - session.exercises[0].startLocalMillis >= 0)
                #expect(truth.startLocalMillis - session.exercises[0].startLocalMillis < 1000)
            }
            if generated.fileHasPhysicalInformation {
                #expect(session.physical?.maxHR == generated.physical.maxHR)
                #expect(session.physical?.restingHR == generated.physical.restingHR)
                #expect(session.physical?.sex == generated.physical.sex)
            } else {
                #expect(session.physical == nil)
                #expect(session.polarUserID == String(30_000_000 + generated.userIndex))
            }
        }
    }

    @Test func theSameSessionInEveryLayoutGivesTheSameStatistics() throws {
        let data = SyntheticData(users: 3, sessionsPerUser: 2, seed: 21, durationSeconds: 1800, multisportShare: 0)
        for u in 0 ..< 3 {
            for s in 0 ..< 2 {
                var stats: [SyntheticLayout: ExerciseStatistics] = [:]
                for layout in Self.fileLayouts {
                    let (bytes, generated) = data.makeSession(user: u, index: s, layout: layout)
                    let session = try #require(SessionDecoder.decode(bytes).session)
                    stats[layout] = statistics(try #require(session.exercises.first), of: session, athlete: generated.physical)
                }
                let old = try #require(stats[.old])
                #expect(old.hrSamples > 1000)
                #expect(try #require(old.gpsDistanceM) > 1000)
                #expect(try #require(old.hrZonesS).reduce(0, +) > 0)
                for layout in [SyntheticLayout.new, .accesslink] {
                    let other = try #require(stats[layout])
                    // Every layout writes whole bpm at the same whole seconds: the same samples, summed in the same
                    // order, so count, mean and zone seconds agree exactly (the tolerance only guards the last bit).
                    #expect(other.hrSamples == old.hrSamples, "\(layout)")
                    #expect(abs((other.hrAvg ?? 0) - (old.hrAvg ?? 1)) < 1e-9, "\(layout)")
                    #expect(other.hrZonesS == old.hrZonesS, "\(layout)")
                    #expect(abs((other.trimp ?? 0) - (old.trimp ?? 1)) < 1e-9, "\(layout)")
                    // The coordinates are written with the same 8 decimals everywhere; only the points' times differ
                    // (by milliseconds), and times do not enter the path length.
                    #expect(other.gpsPoints == old.gpsPoints, "\(layout)")
                    #expect(abs((other.gpsDistanceM ?? 0) - (old.gpsDistanceM ?? 1)) < 1e-6, "\(layout)")
                    // AccessLink reports whole metres, the exports a float32: at most half a metre apart.
                    #expect(abs((other.distanceM ?? 0) - (old.distanceM ?? 1)) <= 0.5, "\(layout)")
                    #expect(abs(other.durationS - old.durationS) < 1e-6, "\(layout)")
                }
            }
        }
    }

    @Test func newLayoutFilesWriteMissingValuesAsQuotedNaNBareNaNOrNull() throws {
        let data = SyntheticData(users: 1, sessionsPerUser: 6, seed: 3, durationSeconds: 1800, layout: .new)
        var seen: Set<String> = []
        for s in 0 ..< 6 {
            let (bytes, generated) = data.makeSession(user: 0, index: s)
            let text = String(decoding: bytes, as: UTF8.self)
            let dropouts = generated.exercises.reduce(0) { $0 + $1.heartRate.filter { $0 == nil }.count }
                + (generated.transition?.heartRate.filter { $0 == nil }.count ?? 0)
            let quoted = text.components(separatedBy: "\"NaN\"").count - 1
            let null = text.components(separatedBy: "null").count - 1
            let bare = text.components(separatedBy: "NaN").count - 1 - quoted
            // One form a file, once per missing value, and nothing else is missing.
            #expect([quoted, null, bare].sorted() == [0, 0, dropouts], "session \(s): \(quoted) \(null) \(bare) for \(dropouts)")
            if dropouts > 0 { seen.insert(quoted > 0 ? "quoted" : null > 0 ? "null" : "bare") }
            #expect(text.contains("\"durationMillis\":") && text.contains("\"intervalMillis\":1000"))
            #expect(generated.relativePath.hasPrefix("training-session-" + PolarTime.format(millis: generated.startLocalMillis)))
        }
        #expect(seen == ["quoted", "null", "bare"])
    }

    @Test func newLayoutMultisportSessionsHaveTwoExercisesAndTransitionSamples() throws {
        let data = SyntheticData(users: 1, sessionsPerUser: 3, seed: 5, durationSeconds: 1200, layout: .new, multisportShare: 1)
        for s in 0 ..< 3 {
            let (bytes, generated) = data.makeSession(user: 0, index: s)
            let session = try #require(SessionDecoder.decode(bytes).session)
            #expect(session.exercises.count == 2)
            let (first, second) = (session.exercises[0], session.exercises[1])
            #expect(first.sport != second.sport)
            // The second leg starts after the first one ends, with a transition of 60–180 s between them.
            let gap = Double(second.startLocalMillis - first.startLocalMillis) / 1000 - first.durationS
            #expect(gap >= 60 && gap < 180)
            let transition = try #require(generated.transition)
            #expect(Double(transition.heartRate.count) == gap)
            // Every second of the whole recording is in one leg or the transition, and the transition's samples
            // are not counted as an exercise's.
            let whole = data.makeSession(user: 0, index: s, layout: .old).1.exercises[0]
            let legs = session.exercises.map { SampleFilters.validHeartRate($0.samples.heartRate).count }
            #expect(legs.reduce(0, +) + transition.validHeartRate.count == whole.validHeartRate.count)
            #expect(String(decoding: bytes, as: UTF8.self).contains("\"transitionSamples\":[{\"type\":\"DISTANCE\""))
            // Each leg's distance counts from its own start.
            #expect(try #require(second.samples.distance.value.first) < 20)
            // Legs and transition add up to the whole distance (each rounded to 0.1 m and stored as float32).
            let transitionDistance = try #require(transition.distance.last ?? nil)
            #expect(abs((first.distanceM ?? 0) + transitionDistance + (second.distanceM ?? 0) - whole.reportedDistanceM) < 1)
        }
    }

    @Test func accessLinkFilesComeInBothKeySpellingsNamedAsTheSyncNamesThem() throws {
        let data = SyntheticData(users: 2, sessionsPerUser: 5, seed: 11, durationSeconds: 300, layout: .accesslink)
        var spellings: Set<String> = []
        for u in 0 ..< 2 {
            for s in 0 ..< 5 {
                let (bytes, generated) = data.makeSession(user: u, index: s)
                let text = String(decoding: bytes, as: UTF8.self)
                let kebab = text.contains("\"start-time\":")
                #expect(kebab != text.contains("\"start_time\":"))
                spellings.insert(kebab ? "kebab" : "snake")
                #expect(generated.relativePath.hasPrefix("accesslink-") && generated.relativePath.hasSuffix(".json"))
                // Kebab-case files are transactional: an integer id and `"sample-type": "0"`.
                #expect(text.contains(kebab ? "\"sample-type\":\"0\"" : "\"sample_type\":0"))
                #expect(text.hasPrefix(kebab ? "{\"id\":3" : "{\"id\":\""))
                let decoded = try #require(SessionDecoder.decode(bytes).session?.exercises.first)
                #expect(decoded.samples.heartRate.count == generated.heartRate.compactMap { $0 }.count)
            }
        }
        #expect(spellings == ["kebab", "snake"])
    }

    @Test func mixedLayoutIsByteIdenticalForTheSameSeed() throws {
        let data = SyntheticData(users: 2, sessionsPerUser: 8, seed: 99, durationSeconds: 300, layout: .mixed, zip: true, oddNames: true)
        let (first, sessions) = try generate(data)
        let (second, _) = try generate(data)
        var other = data
        other.seed = 100
        let (third, _) = try generate(other)
        defer { for url in [first, second, third] { try? FileManager.default.removeItem(at: url) } }

        #expect(Set(sessions.map(\.layout)) == [.old, .new, .accesslink])
        let files = try FileManager.default.subpathsOfDirectory(atPath: first.path).sorted()
        #expect(files == (try FileManager.default.subpathsOfDirectory(atPath: second.path).sorted()))
        #expect(files.contains { $0.hasSuffix(".zip") })
        for path in files where path.contains("/") {  // the files in the user folders
            let a = try Data(contentsOf: first.appendingPathComponent(path))
            #expect(a == (try Data(contentsOf: second.appendingPathComponent(path))), "\(path)")
        }
        // Another seed gives other files: the comparison above can fail.
        #expect(files != (try FileManager.default.subpathsOfDirectory(atPath: third.path).sorted()))
    }

    @Test func oddNamesKeepTheirPrefixAndExtensionAndDecode() throws {
        let data = SyntheticData(users: 1, sessionsPerUser: 12, seed: 4, durationSeconds: 120, layout: .mixed, oddNames: true)
        let (out, sessions) = try generate(data)
        defer { try? FileManager.default.removeItem(at: out) }
        let odd = sessions.filter { $0.relativePath.contains { "#%\"' ".contains($0) } || !$0.relativePath.allSatisfy(\.isASCII) }
        #expect(odd.count >= 2 && odd.count < sessions.count)
        for generated in sessions {
            let name = String(generated.relativePath.split(separator: "/").last ?? "")
            #expect(name.hasPrefix(generated.layout == .accesslink ? "accesslink-" : "training-session-"))
            #expect(name.hasSuffix(".json"))
            #expect(try decode(out, generated).exercises.count == generated.exercises.count)
        }
    }

    @Test func oldLayoutIsUnchangedByTheOtherLayouts() throws {
        // The old layout's bytes for a seed are what `polarpipe generate` wrote before the other layouts existed;
        // this file's size and digest were taken from that version.
        let (bytes, generated) = SyntheticData(users: 1, sessionsPerUser: 1, seed: 9, durationSeconds: 300).makeSession(user: 0, index: 0)
        #expect(generated.layout == .old)
        let file = temporaryFolder().appendingPathExtension("json")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(bytes).write(to: file)
        #expect(bytes.count == OldLayoutReference.bytes)
        #expect(try ZipIngest.sha256(of: file) == OldLayoutReference.sha256)
    }
}

/// Size and SHA-256 of `SyntheticData(users: 1, sessionsPerUser: 1, seed: 9, durationSeconds: 300)`'s only file,
/// as the generator wrote it before the new-layout and AccessLink writers were added.
enum OldLayoutReference {
    static let bytes = 91_945
    static let sha256 = "f5e1b20d6ab668676c6c466085b4c8d37e60d8eaeb36cfdcd85266757e6ae135"
}
