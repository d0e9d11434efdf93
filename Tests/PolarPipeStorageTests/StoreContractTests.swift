import Foundation
import PolarPipeCore
import PolarPipeTestSupport
import Testing

/// The storage contract: what the pipeline relies on from a `PipelineStore`, the same tests on SQLite and PostgreSQL.
@Suite(.timeLimit(.minutes(5))) struct StoreContractTests {
    static let day: Int64 = 86_400_000
    /// 2026-03-30T08:00:00Z.
    static let t0: Int64 = 1_774_857_600_000

    @Test(arguments: Backend.available) func runsTasksAndTheirOrder(_ backend: Backend) async throws {
        try await withStore(backend) { s in
            let store = s.store
            try await store.createRun("run-a", startedAt: Self.t0, trigger: "manual")
            try await store.createRun("run-b", startedAt: Self.t0 + 1_000, trigger: "task")
            try await store.recordTask(TaskInstanceRecord(runID: "run-a", taskID: "scan_inbox", tryNumber: 1, state: .running,
                                                          startedAt: Self.t0 + 5))
            try await store.recordTask(TaskInstanceRecord(runID: "run-a", taskID: "validate_json_files", tryNumber: 1, state: .failed,
                                                          startedAt: Self.t0 + 7, endedAt: Self.t0 + 9, error: "boom"))
            // The update of a try keeps its start when the new record has none.
            try await store.recordTask(TaskInstanceRecord(runID: "run-a", taskID: "scan_inbox", tryNumber: 1, state: .success,
                                                          endedAt: Self.t0 + 6, output: #"{"files":3}"#))
            try await store.finishRun("run-a", state: .failed, endedAt: Self.t0 + 10, summary: "1 task failed")

            let tasks = try await store.taskInstances(runID: "run-a")
            #expect(tasks.map(\.taskID) == ["scan_inbox", "validate_json_files"])
            #expect(tasks[0] == TaskInstanceRecord(runID: "run-a", taskID: "scan_inbox", tryNumber: 1, state: .success,
                                                   startedAt: Self.t0 + 5, endedAt: Self.t0 + 6, output: #"{"files":3}"#))
            #expect(tasks[1].error == "boom" && tasks[1].state == .failed)
            #expect(try await store.run("run-a") == RunRecord(runID: "run-a", state: .failed, startedAt: Self.t0, endedAt: Self.t0 + 10,
                                                              trigger: "manual", summary: "1 task failed"))
            #expect(try await store.runs(limit: 10).map(\.runID) == ["run-b", "run-a"])
            #expect(try await store.runs(limit: 1).map(\.runID) == ["run-b"])
            #expect(try await store.run("nope") == nil)
            // Resuming a run sets it running again.
            try await store.createRun("run-a", startedAt: Self.t0 + 20, trigger: "manual")
            #expect(try await store.run("run-a")?.state == .running)
        }
    }

    @Test(arguments: Backend.available) func theRunLeaseHasOneHolder(_ backend: Backend) async throws {
        try await withStore(backend) { s in
            let store = s.store
            let me = LeaseOwner(pid: 100, host: "worker-1"), other = LeaseOwner(pid: 200, host: "worker-2")
            #expect(try await store.acquireLease(runID: "r1", owner: me, now: Self.t0, ttlMillis: 60_000, isStale: { _ in false }) == nil)
            let blocked = try await store.acquireLease(runID: "r2", owner: other, now: Self.t0 + 1, ttlMillis: 60_000, isStale: { _ in false })
            #expect(blocked == LeaseHolder(runID: "r1", owner: me, acquiredAt: Self.t0, expiresAt: Self.t0 + 60_000))
            // The holder may take its own lease again; a renewal moves the expiry.
            #expect(try await store.acquireLease(runID: "r1", owner: me, now: Self.t0 + 2, ttlMillis: 60_000, isStale: { _ in false }) == nil)
            try await store.renewLease(runID: "r1", token: 1, now: Self.t0 + 30_000, ttlMillis: 60_000)
            #expect(try await store.acquireLease(runID: "r2", owner: other, now: Self.t0 + 70_000, ttlMillis: 60_000,
                                                 isStale: { _ in false })?.expiresAt == Self.t0 + 90_000)
            // A stale holder (its process is gone) or an expired lease no longer blocks.
            #expect(try await store.acquireLease(runID: "r2", owner: other, now: Self.t0 + 70_000, ttlMillis: 60_000,
                                                 isStale: { $0.owner.pid == 100 }) == nil)
            try await store.releaseLease(runID: "r1")  // not the holder any more: changes nothing
            #expect(try await store.acquireLease(runID: "r3", owner: me, now: Self.t0 + 80_000, ttlMillis: 60_000,
                                                 isStale: { _ in false })?.runID == "r2")
            // The stale holder's heartbeat finds its fencing token outdated.
            #expect(try await store.currentLease()?.token == 2)
            await #expect(throws: RunLease.Lost.self) { try await store.renewLease(runID: "r1", token: 1, now: Self.t0 + 75_000, ttlMillis: 60_000) }
            try await store.releaseLease(runID: "r2")
            #expect(try await store.acquireLease(runID: "r3", owner: me, now: Self.t0 + 80_000, ttlMillis: 60_000, isStale: { _ in false }) == nil)
        }
    }

    /// The same run id is not enough: another live process is refused; the tasks of one run in task mode share it.
    @Test(arguments: Backend.available) func theLeaseChecksItsOwner(_ backend: Backend) async throws {
        try await withStore(backend) { s in
            let store = s.store
            let one = LeaseOwner(pid: 100, host: "h"), two = LeaseOwner(pid: 200, host: "h")
            #expect(try await store.acquireLease(runID: "r", owner: one, now: Self.t0, ttlMillis: 60_000, isStale: { _ in false }) == nil)
            #expect(try await store.acquireLease(runID: "r", owner: two, now: Self.t0 + 1, ttlMillis: 60_000, isStale: { _ in false })?.owner == one)
            let task = LeaseOwner(pid: 300, host: "h", mode: .task)
            #expect(try await store.acquireLease(runID: "r", owner: task, now: Self.t0 + 2, ttlMillis: 60_000, isStale: { _ in false }) != nil)
            try await store.releaseLease(runID: "r")
            let taskA = LeaseOwner(pid: 301, host: "w1", mode: .task), taskB = LeaseOwner(pid: 302, host: "w2", mode: .task)
            #expect(try await store.acquireLease(runID: "a", owner: taskA, now: Self.t0, ttlMillis: 600_000, isStale: { _ in true }) == nil)
            let token = try #require(try await store.leaseToken(runID: "a"))
            #expect(try await store.acquireLease(runID: "a", owner: taskB, now: Self.t0 + 1, ttlMillis: 60_000, isStale: { _ in true }) == nil)
            #expect(try await store.leaseToken(runID: "a") == token)  // one token for the run
            // Between a run's tasks its lease holds until it expires, even with the last task process gone.
            #expect(try await store.acquireLease(runID: "b", owner: one, now: Self.t0 + 2, ttlMillis: 60_000, isStale: { _ in true })?.runID == "a")
            #expect(try await store.currentLease()?.expiresAt == Self.t0 + 600_000)
            #expect(try await store.acquireLease(runID: "b", owner: one, now: Self.t0 + 600_000, ttlMillis: 60_000, isStale: { _ in false }) == nil)
            #expect(try await store.leaseToken(runID: "b") == token + 1)
        }
    }

    /// Many processes (on any number of machines) asking at once: exactly one gets the lease.
    @Test(arguments: Backend.available) func concurrentClaimsGiveOneHolder(_ backend: Backend) async throws {
        try await withStore(backend) { s in
            var stores: [any PipelineStore] = [s.store]
            for _ in 0 ..< 3 { stores.append(try await s.reopen()) }
            let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
                for (i, store) in stores.enumerated() {
                    for k in 0 ..< 4 {
                        group.addTask {
                            try await store.acquireLease(runID: "run-\(i)-\(k)", owner: LeaseOwner(pid: Int32(i * 10 + k), host: "host-\(i)"),
                                                         now: Self.t0, ttlMillis: 60_000, isStale: { _ in false }) == nil
                        }
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(winners == 1)
        }
    }

    @Test(arguments: Backend.available) func skippedFilesAreFoundByTheirHashOnly(_ backend: Backend) async throws {
        try await withStore(backend) { s in
            let store = s.store
            try await store.createRun("run-1", startedAt: Self.t0, trigger: "manual")
            let skipped = try await store.claimFile(ClaimedFile(originalPath: "u1/activity-1.json", userKey: "u1", runID: "run-1", path: "", bytes: 5))
            let broken = try await store.claimFile(ClaimedFile(originalPath: "u1/b.json", userKey: "u1", runID: "run-1", path: "", bytes: 3))
            #expect(try await store.fileID(skippedSHA256: "cc") == nil)  // claimed, not yet skipped
            try await store.updateFiles([FileUpdate(id: skipped, state: .skipped, reason: .some("activity"), sha256: "cc"),
                                         FileUpdate(id: broken, state: .quarantined, reason: .some("invalid-json"), sha256: "bb")])
            #expect(try await store.fileID(skippedSHA256: "cc") == skipped)
            #expect(try await store.fileID(loadedSHA256: "cc") == nil)
            #expect(try await store.fileID(skippedSHA256: "bb") == nil)  // quarantined is not skipped
            #expect(try await store.files(runID: "run-1").map(\.reason) == ["activity", "invalid-json"])
        }
    }

    @Test(arguments: Backend.available) func filesAndUsers(_ backend: Backend) async throws {
        try await withStore(backend) { s in
            let store = s.store
            try await store.createRun("run-1", startedAt: Self.t0, trigger: "manual")
            let a = try await store.claimFile(ClaimedFile(originalPath: "u1/a.json", userKey: "u1", runID: "run-1",
                                                          path: "staging/run-1/claimed/1.json", bytes: 120))
            let b = try await store.claimFile(ClaimedFile(originalPath: "u1/b.json", userKey: "u1", runID: "run-1", path: "", bytes: 3))
            let z = try await store.claimFile(ClaimedFile(originalPath: "u1/export.zip", userKey: "u1", runID: "run-1", path: "z", bytes: 9))
            let e = try await store.claimFile(ClaimedFile(originalPath: "u1/export.zip", entryName: "sessions/x#1.json", parentID: z,
                                                          userKey: "u1", runID: "run-1", path: "z", bytes: 4, attempts: 1))
            #expect(Set([a, b, z, e]).count == 4)
            try await store.updateFile(FileUpdate(id: a, state: .validated, reason: .some("missing-offset"), sha256: "aa",
                                                  layout: .flowExportOld, stagedPath: "staging/a.bin"))
            try await store.updateFile(FileUpdate(id: b, state: .quarantined, path: "quarantine/b.json", reason: .some("invalid_json"), sha256: "bb"))
            #expect(try await store.fileID(loadedSHA256: "aa") == nil)  // validated is not loaded
            try await store.updateFiles([FileUpdate(id: a, state: .loaded, reason: .some(nil)),
                                         FileUpdate(id: a, state: .archived, path: "processed/2026/03/u1/a.json")])
            #expect(try await store.fileID(loadedSHA256: "aa") == a)
            #expect(try await store.fileID(skippedSHA256: "aa") == nil)  // loaded is not skipped
            await #expect(throws: LedgerError(fileID: a, from: .archived, to: .loaded)) { try await store.updateFile(FileUpdate(id: a, state: .loaded)) }
            try await store.addAttempts([e, z], 1)
            try await store.addAttempts([z], -5)
            #expect(try await store.entries(ofArchive: z).map { [$0.entryName, "\($0.attempts)", $0.parentID.map(String.init)] }
                    == [["sessions/x#1.json", "2", String(z)]])
            try await store.updateFile(FileUpdate(id: z, state: .partial, sha256: "zz"))
            #expect(try await store.partialArchive(sha256: "zz", userKey: "u1")?.id == z)
            #expect(try await store.partialArchive(sha256: "zz", userKey: "u2") == nil)
            try await store.createRun("run-3", startedAt: Self.t0, trigger: "manual")
            let claim = try await store.claimFile(ClaimedFile(originalPath: "u1/export (2).zip", userKey: "u1", runID: "run-3", path: "c", bytes: 9))
            try await store.adoptClaim(claim, into: z, path: "staging/run-3/claimed/\(z).zip")
            #expect(try await store.file(id: claim) == nil)
            let adopted = try #require(try await store.file(id: z))
            #expect(adopted.state == .claimed && adopted.runID == "run-3" && adopted.path == "staging/run-3/claimed/\(z).zip" && adopted.attempts == 0)
            let given = try await store.claimFile(ClaimedFile(originalPath: "u1/c.json", userKey: "u1", runID: "run-3", path: "c", bytes: 1))
            try await store.forgetClaims([given, a])  // only claimed rows go
            #expect(try await store.file(id: given) == nil)
            #expect(try await store.file(id: a) != nil)
            let (userID, created) = try await store.upsertUser(key: "u1", physical: nil, polarUserID: nil, now: Self.t0)
            #expect(created)
            try await store.setFileUser(id: a, userID: userID)
            let files = try await store.files(runID: "run-1")
            #expect(files.map(\.id) == [a, b, e])
            #expect(files[0] == FileRecord(id: a, sha256: "aa", path: "processed/2026/03/u1/a.json", originalPath: "u1/a.json", userKey: "u1",
                                           userID: userID, runID: "run-1", state: .archived, reason: nil, layout: .flowExportOld, bytes: 120,
                                           stagedPath: "staging/a.bin"))
            #expect(files[1].status == .quarantined && files[1].reason == "invalid_json" && files[1].userID == nil)
            #expect(try await store.fileCounts() == [.loaded: 1, .quarantined: 1, .pending: 2])
            try await store.createRun("run-2", startedAt: Self.t0 + 1, trigger: "manual")
            try await store.finishRun("run-2", state: .failed, endedAt: Self.t0 + 2, summary: nil)
            #expect(try await store.runCounts() == [.running: 2, .failed: 1])

            // Physical information: written when it differs, never replaced by an older snapshot.
            var physical = PhysicalInformation(sex: "FEMALE", birthday: "1990-04-01", heightCm: 170, weightKg: 61.5, maxHR: 190,
                                               restingHR: 48, vo2max: 52, recordedAtLocalMillis: Self.t0)
            #expect(try await store.upsertUser(key: "u1", physical: physical, polarUserID: "p-1", now: Self.t0 + 1) == (userID, true))
            #expect(try await store.upsertUser(key: "u1", physical: physical, polarUserID: "p-1", now: Self.t0 + 2) == (userID, false))
            var older = physical
            older.maxHR = 200
            older.recordedAtLocalMillis = Self.t0 - Self.day
            #expect(try await store.upsertUser(key: "u1", physical: older, polarUserID: nil, now: Self.t0 + 3) == (userID, false))
            physical.maxHR = 188
            physical.recordedAtLocalMillis = Self.t0 + Self.day
            #expect(try await store.upsertUser(key: "u1", physical: physical, polarUserID: nil, now: Self.t0 + 4) == (userID, true))
            let user = try #require(try await store.user(key: "u1"))
            #expect(user.physical == physical && user.polarUserID == "p-1" && user.updatedAt == Self.t0 + 4)
            _ = try await store.upsertUser(key: "u0", physical: nil, polarUserID: nil, now: Self.t0)
            #expect(try await store.users().map(\.userKey) == ["u0", "u1"])
            #expect(try await store.user(key: "nobody") == nil)
        }
    }

    static func exercise(startUTC: Int64, sport: String = "RUNNING", samples: ExerciseSamples = ExerciseSamples()) -> Exercise {
        Exercise(externalID: "x-\(startUTC)", sport: sport, sportRaw: sport, startLocalMillis: startUTC + 120 * 60_000,
                 tzOffsetMinutes: 120, durationS: 1_800.5, distanceM: 5_012.25, calories: 410,
                 reportedHR: ReportedHeartRate(min: 90, avg: 141, max: 177), ascentM: 12, descentM: 11,
                 raw: #"{"exercises":[{"sport":"RUNNING","hrAvg":NaN,"note":"a\u0000b"}]}"#, samples: samples)
    }

    /// The same session as a GPX (route only), then a FIT (route, HR, power, cadence), then a TCX (route only): the FIT
    /// replaces the GPX's exercise, the TCX is a duplicate, and the power and cadence channels are stored.
    @Test(arguments: Backend.available) func aRicherCopyInAnotherFormatReplacesThePoorerOne(_ backend: Backend) async throws {
        try await withStore(backend) { s in
            let store = s.store
            try await store.createRun("run-1", startedAt: Self.t0, trigger: "manual")
            let (user, _) = try await store.upsertUser(key: "u", physical: nil, polarUserID: nil, now: Self.t0)
            var files: [Int64] = []
            for name in ["ride.gpx", "ride.fit", "ride.tcx"] {
                files.append(try await store.claimFile(ClaimedFile(originalPath: "u/\(name)", userKey: "u", runID: "run-1", path: name, bytes: 1)))
            }
            var routeOnly = ExerciseSamples()
            routeOnly.route = RouteSeries(t: [0, 1], latitude: [60.1, 60.1001], longitude: [24.9, 24.9001], altitude: [.nan, .nan])
            var rich = routeOnly
            rich.heartRate = SampleSeries(t: [0, 1], value: [120, 121])
            rich.power = SampleSeries(t: [0, 1], value: [210, 250.5])
            rich.cadence = SampleSeries(t: [0, 1], value: [88, 90])
            // The GPX states UTC with no offset; the FIT's start is 20 s later (another device's clock), with an offset.
            var gpx = Self.exercise(startUTC: Self.t0, sport: "CYCLING", samples: routeOnly)
            gpx.startLocalMillis = Self.t0
            gpx.tzOffsetMinutes = nil
            let fit = Self.exercise(startUTC: Self.t0 + 20_000, sport: "ROAD_CYCLING", samples: rich)
            var tcx = gpx
            tcx.startLocalMillis += 10_000
            func record(_ file: Int64, _ layout: PolarLayout, _ e: Exercise) async throws -> RecordedExercises {
                try #require(try await store.recordExercises(runID: "run-1", toleranceMillis: 2_000, [
                    FileExercises(fileID: file, userID: user, layout: layout, exercises: [NewExercise(index: 0, exercise: e, deviceID: nil)])]).first)
            }
            let first = try await record(files[0], .gpx, gpx)
            #expect(first.ids.count == 1 && first.duplicates == 0 && first.replaced == 0)
            let second = try await record(files[1], .fit, fit)
            #expect(second.ids.count == 1 && second.duplicates == 0 && second.replaced == 1)
            #expect(try await store.exercise(id: first.ids[0]) == nil || first.ids == second.ids)
            let third = try await record(files[2], .tcx, tcx)
            #expect(third.ids.isEmpty && third.duplicates == 1 && third.replaced == 0)
            let stored = try await store.exercises(runID: "run-1")
            #expect(stored.map(\.fileID) == [files[1]])
            let samples = try await store.samples(exerciseID: try #require(stored.first?.id))
            #expect(samples.power == rich.power && samples.cadence == rich.cadence)
        }
    }

    @Test(arguments: Backend.available) func exercisesSamplesAndStatisticsRoundTrip(_ backend: Backend) async throws {
        try await withStore(backend) { s in
            let store = s.store
            try await store.createRun("run-1", startedAt: Self.t0, trigger: "manual")
            let file = try await store.claimFile(ClaimedFile(originalPath: "u/f.json", userKey: "u", runID: "run-1", path: "p", bytes: 1))
            let (user, _) = try await store.upsertUser(key: "u", physical: nil, polarUserID: nil, now: Self.t0)
            var samples = ExerciseSamples()
            samples.speed = SampleSeries(t: [0, 1, 2], value: [10.5, 11.25, 0.1])
            samples.altitude = SampleSeries(t: [0, 1], value: [101.5, 102])
            samples.temperature = SampleSeries(t: [0, 1], value: [21.5, -3])
            let physical = PhysicalInformation(sex: "MALE", birthday: "1985-02-03", maxHR: 186, restingHR: 50)
            let zones = try #require(HeartRateZoneLimits(lowerBPM: [95, 114, 133, 152.5, 171], upperBPM: 190))
            var zoned = Self.exercise(startUTC: Self.t0, samples: samples)
            zoned.heartRateZones = zones
            let first = [NewExercise(index: 0, exercise: zoned, deviceID: "dev", physical: physical),
                         NewExercise(index: 1, exercise: Self.exercise(startUTC: Self.t0 + 40 * Self.day, sport: "CYCLING"), deviceID: nil)]
            func record(_ fileID: Int64, _ exercises: [NewExercise]) async throws -> RecordedExercises {
                try #require(try await store.recordExercises(runID: "run-1", toleranceMillis: 60_000, [
                    FileExercises(fileID: fileID, userID: user, layout: .flowExportNew, exercises: exercises)]).first)
            }
            let oldIDs = try await record(file, first).ids
            try await store.replaceHeartRateSamples([(oldIDs[0], SampleSeries(t: [0, 1], value: [100, 101]), 0)])
            // Recording a file's exercises again is idempotent: the old rows and everything hanging on them go (SQLite
            // may give the new rows the old ids), and a file's own exercises are no duplicates of it.
            let again = try await record(file, first)
            let ids = again.ids
            #expect(ids.count == 2 && again.duplicates == 0)
            for id in Set(oldIDs + ids) { #expect(try await store.samples(exerciseID: id).heartRate.count == 0) }
            for id in Set(oldIDs).subtracting(ids) { #expect(try await store.exercise(id: id) == nil) }
            #expect(try await store.exercises(runID: "run-1").map(\.id) == ids)
            #expect(try await store.allExerciseIDs() == ids)
            let record = try #require(try await store.exercise(id: ids[0]))
            #expect(record == ExerciseRecord(id: ids[0], userID: user, fileID: file, exerciseIndex: 0, sport: "RUNNING", startUTCMillis: Self.t0,
                                             tzOffsetMinutes: 120, durationS: 1_800.5, distanceM: 5_012.25, calories: 410, physical: physical,
                                             heartRateZones: zones))
            #expect(try await store.exercise(id: ids[1])?.physical == nil)
            #expect(try await store.exercise(id: ids[1])?.heartRateZones == nil)

            // Duplicates: the same user and sport starting within the tolerance in another file, also earlier in the
            // same chunk (the task makes a file of duplicates only `duplicate`).
            var otherFiles: [Int64] = []
            for name in ["g", "h", "i"] {
                otherFiles.append(try await store.claimFile(ClaimedFile(originalPath: "u/\(name).json", userKey: "u", runID: "run-2",
                                                                        path: name, bytes: 1)))
            }
            let near = NewExercise(index: 0, exercise: Self.exercise(startUTC: Self.t0 + 30_000), deviceID: nil)
            let far = NewExercise(index: 1, exercise: Self.exercise(startUTC: Self.t0 + 90_000), deviceID: nil)
            let otherSport = NewExercise(index: 0, exercise: Self.exercise(startUTC: Self.t0 + 100_000, sport: "CYCLING"), deviceID: nil)
            let results = try await store.recordExercises(runID: "run-2", toleranceMillis: 60_000, [
                FileExercises(fileID: otherFiles[0], userID: user, layout: .flowExportOld, exercises: [near]),
                FileExercises(fileID: otherFiles[1], userID: user, layout: .flowExportOld, exercises: [near, far]),
                FileExercises(fileID: otherFiles[2], userID: user, layout: .flowExportOld, exercises: [otherSport, far]),
            ])
            #expect(results.map(\.duplicates) == [1, 1, 1])
            #expect(results[0].ids.isEmpty && results[1].ids.count == 1 && results[2].ids.count == 1)
            try await store.recordExercises(runID: "run-2", toleranceMillis: 60_000, otherFiles.map {
                FileExercises(fileID: $0, userID: user, layout: .flowExportOld, exercises: [])
            }).forEach { #expect($0.ids.isEmpty) }
            #expect(try await store.exercises(runID: "run-2").isEmpty)

            // Samples: fractional values, a missing altitude, two months (two partitions on PostgreSQL); loading twice replaces.
            let hr = SampleSeries(t: [0, 1, 2.5, 3], value: [95, 96.5, 97, 250])
            let route = RouteSeries(t: [0, 1, 2], latitude: [60.1, 60.100012345678, 60.2], longitude: [24.9, 24.91, 24.92],
                                    altitude: [12.5, .nan, 14])
            for _ in 0 ..< 2 {
                try await store.replaceHeartRateSamples([(ids[0], hr, 2), (ids[1], SampleSeries(t: [5], value: [120]), 0)])
                try await store.replaceRoutePoints([(ids[0], route, 1), (ids[1], RouteSeries(), 0)])
            }
            let loaded = try await store.samples(exerciseID: ids[0])
            #expect(loaded.heartRate == hr)
            #expect(loaded.route.t == route.t && loaded.route.latitude == route.latitude && loaded.route.longitude == route.longitude)
            #expect(loaded.route.altitude[0] == 12.5 && loaded.route.altitude[1].isNaN && loaded.route.altitude[2] == 14)
            #expect(loaded.speed == samples.speed && loaded.altitude == samples.altitude && loaded.distance.isEmpty)
            #expect(loaded.temperature == samples.temperature)
            #expect(try await store.samples(exerciseID: ids[1]).heartRate == SampleSeries(t: [5], value: [120]))

            var stats = ExerciseStatistics(hrSamples: 4, hrMin: 95, hrMax: 250, hrAvg: 134.625, hrSum: 538.5, gpsPoints: 3,
                                           durationS: 1_800.5, distanceM: 5_012.25, gpsDistanceM: 11_300.4, paceMinPerKm: 5.9871,
                                           hrZonesS: [1, 0, 2.5, 0, 0.5], trimp: 42.125)
            stats.best1kmS = 290.5
            var power = PowerStatistics()
            (power.avgW, power.best5sW, power.best1minW, power.best5minW, power.best20minW, power.normalizedW) = (180, 410.5, 320, 250, 231.25, 240.5)
            stats.power = power
            stats.profile = HeartRateProfile(maxHR: 186, restingHR: 50, sex: "MALE", hrZones: zones)
            stats.splits = [Split(km: 1, timeS: 300.25, paceMinPerKm: 5.004, hrAvg: 140, elevationM: nil),
                            Split(km: 2, timeS: 310, paceMinPerKm: 5.1667, hrAvg: nil, elevationM: 2.5)]
            try await store.upsertExerciseStatistics([(ids[0], stats), (ids[1], ExerciseStatistics(durationS: 60))])
            try await store.upsertExerciseStatistics([(ids[0], stats)])  // again: replaces, splits not doubled
            var withoutSplits = stats
            withoutSplits.splits = []
            #expect(try await store.exerciseStatistics(exerciseID: ids[0]) == withoutSplits)
            #expect(try await store.splits(exerciseID: ids[0]) == stats.splits)
            #expect(try await store.exerciseStatistics(exerciseID: ids[1])?.hrZonesS == nil)
            #expect(try await store.statisticsProfiles(userID: user).map(\.profile) == [stats.profile, nil])

            let summaries = try await store.exerciseSummaries(userID: user)
            #expect(summaries.map(\.exerciseID) == ids && summaries[0].tzOffsetMinutes == 120 && summaries[0].hrSum == 538.5)
            #expect(summaries[0].trimp == 42.125 && summaries[0].best1kmS == 290.5 && summaries[0].distanceM == 5_012.25)
            // The power the records are made of: best 5 s, 1 min, 5 min, 20 min and normalized power.
            let s0 = summaries[0]
            #expect([s0.best5sW, s0.best1minW, s0.best5minW, s0.best20minW, s0.normalizedW] == [410.5, 320, 250, 231.25, 240.5])
            #expect(summaries[1].best20minW == nil && summaries[1].normalizedW == nil)
            #expect(try await store.allExerciseSummaries().map(\.summary) == summaries)
            #expect(try await store.exerciseSummaries(fromUTCMillis: Self.t0 + Self.day, toUTCMillis: Self.t0 + 50 * Self.day)
                .map(\.summary.exerciseID) == [ids[1]])
            let recent = try await store.recentExercises(userID: user, limit: 1)
            #expect(recent.map(\.exercise.id) == [ids[1]] && recent[0].stats?.durationS == 60)

            let userStats = UserStatistics(totalExercises: 2, totalDistanceM: 5_012.25, totalDurationS: 1_860.5, totalCalories: 820,
                                           avgDistanceM: 5_012.25, avgDurationS: 930.25, avgHR: 134.625, totalHRSamples: 5,
                                           mostCommonSport: "RUNNING", firstExerciseAtMillis: Self.t0,
                                           lastExerciseAtMillis: Self.t0 + 40 * Self.day)
            try await store.upsertUserStatistics(userID: user, userStats, computedAt: Self.t0)
            try await store.upsertUserStatistics(userID: user, userStats, computedAt: Self.t0 + 1)
            #expect(try await store.userStatistics(userID: user) == userStats)

            let monday = Int(Self.t0 / Self.day)
            let weeks = [WeeklyTotals(week: "2026-W14", monday: monday, exercises: 1, distanceM: 5_012.25, durationS: 1_800.5, trimp: 42.125, activeUsers: 1)]
            try await store.replaceUserWeekly(userID: user, weeks)
            try await store.replaceUserWeekly(userID: user, weeks)
            #expect(try await store.userWeekly(userID: user) == weeks)
            let days = [DailyLoad(day: monday, trimp: 42.125, ctl: 1.003, atl: 5.6), DailyLoad(day: monday + 1, trimp: 0, ctl: 0.98, atl: 4.86)]
            try await store.replaceUserDailyLoad(userID: user, days)
            #expect(try await store.userDailyLoad(userID: user) == days)
            // Records are kept per sport: the same record name once for each sport, read back by sport, then record.
            let records = [PersonalRecord(sport: "CYCLING", record: "longest_distance", value: 42_195.5, exerciseID: ids[1], achievedAtMillis: Self.t0 + Self.day),
                           PersonalRecord(sport: "RUNNING", record: "fastest_1km", value: 290.5, exerciseID: ids[0], achievedAtMillis: Self.t0),
                           PersonalRecord(sport: "RUNNING", record: "longest_distance", value: 5_012.25, exerciseID: ids[0], achievedAtMillis: Self.t0)]
            try await store.replaceUserRecords(userID: user, records.reversed())
            try await store.replaceUserRecords(userID: user, records)
            #expect(try await store.userRecords(userID: user) == records)
            #expect(try await store.userRecords(userID: user).filter { $0.record == "longest_distance" }.map(\.sport) == ["CYCLING", "RUNNING"])

            var global = try await store.computeGlobalStatistics()
            #expect(global.totalUsers == 1 && global.totalExercises == 2 && global.totalHRSamples == 4 && global.totalGPSPoints == 3)
            #expect(global.totalDistanceM == 5_012.25 && global.totalDurationS == 3_601 && global.totalCalories == 820)
            #expect(global.exercisesLast7d == 1 && global.exercisesPrev7d == 0)
            #expect(global.sportDistribution == [SportCount(sport: "CYCLING", exercises: 1), SportCount(sport: "RUNNING", exercises: 1)])
            try await store.insertGlobalStatistics(runID: "run-1", computedAt: Self.t0, global)
            global.totalUsers = 7
            try await store.insertGlobalStatistics(runID: "rebuild-1", computedAt: Self.t0 + 5, global)
            #expect(try await store.latestGlobalStatistics() == global)
            let globalWeeks = [WeeklyTotals(week: "2026-W14", monday: monday, exercises: 1, distanceM: 5_012.25, durationS: 0, trimp: 0, activeUsers: 1),
                               WeeklyTotals(week: "2026-W20", monday: monday + 42, exercises: 1, distanceM: 0, durationS: 0, trimp: 0, activeUsers: 1)]
            try await store.replaceGlobalWeekly(globalWeeks)
            var changed = globalWeeks[1]
            changed.exercises = 3
            try await store.upsertGlobalWeekly([changed], clearing: ["2026-W20"])
            #expect(try await store.globalWeekly() == [globalWeeks[0], changed])
        }
    }

    @Test(arguments: Backend.available) func anAccountThatOnlyHoldsAnAdminTokenIsNoAthlete(_ backend: Backend) async throws {
        try await withStore(backend) { s in
            let store = try #require(s.store as? any AccountStore)
            for key in ["admin", "ann", "coach"] { _ = try await s.store.upsertUser(key: key, physical: nil, polarUserID: nil, now: Self.t0) }
            try await store.insertToken(APITokenRecord(id: "t1", userKey: "admin", isAdmin: true, salt: "00", hash: "ab", createdAt: Self.t0))
            try await store.insertToken(APITokenRecord(id: "t2", userKey: "coach", isAdmin: false, salt: "00", hash: "ab", createdAt: Self.t0))
            #expect(try await s.store.users().map(\.userKey) == ["ann", "coach"])
            #expect(try await s.store.computeGlobalStatistics().totalUsers == 2)
            #expect(try await s.store.user(key: "admin") != nil)  // still there for its token
        }
    }

    @Test(arguments: Backend.available) func accountsTokensUploadsAndAccessLink(_ backend: Backend) async throws {
        try await withStore(backend) { s in
            let store = try #require(s.store as? any AccountStore)
            try await store.ping()
            let token = APITokenRecord(id: "t1", userKey: "alice", isAdmin: true, salt: "00ff", hash: "abcd", createdAt: Self.t0)
            try await store.insertToken(token)
            await #expect(throws: (any Error).self) { try await store.insertToken(token) }  // ids are unique
            #expect(try await store.token(id: "t1") == token)
            #expect(try await store.token(id: "t2") == nil)
            #expect(try await store.deleteToken(id: "t1"))
            #expect(try await !store.deleteToken(id: "t1"))

            // The same bytes from the same user, many at once: one row, one id, created once.
            let upload = UploadRecord(userKey: "alice", sha256: "s1", path: "inbox/alice/upload-s1.json", bytes: 10,
                                      layout: "flow-export-v1", createdAt: Self.t0)
            let answers = try await withThrowingTaskGroup(of: (id: Int64, created: Bool).self) { group in
                for _ in 0 ..< 8 { group.addTask { try await store.recordUpload(upload) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(answers.map(\.id)).count == 1 && answers.filter(\.created).count == 1)
            let id = answers[0].id
            var stored = upload
            stored.id = id
            #expect(try await store.upload(id: id) == stored)
            var bob = upload
            bob.userKey = "bob"
            #expect(try await store.recordUpload(bob).created)  // another user's identical file is its own upload
            try await store.deleteUpload(id: id)
            #expect(try await store.upload(id: id) == nil)

            try await store.saveAccessLinkAccount(userKey: "alice", polarUserID: 42, accessToken: "tok-1", now: Self.t0)
            try await store.markAccessLinkRegistered(userKey: "alice", now: Self.t0 + 1)
            try await store.saveAccessLinkAccount(userKey: "alice", polarUserID: 42, accessToken: "tok-2", now: Self.t0 + 2)
            #expect(try await store.accessLinkAccounts() == [AccessLinkAccount(userKey: "alice", polarUserID: 42, accessToken: "tok-2",
                                                                                registeredAt: Self.t0 + 1)])
            try await store.saveAccessLinkAccount(userKey: "alice", polarUserID: 43, accessToken: "tok-3", now: Self.t0 + 3)
            #expect(try await store.accessLinkAccounts().first?.registeredAt == nil)  // another Polar user: register again
            #expect(try await !store.hasAccessLinkExercise(userKey: "alice", exerciseID: "ex-1"))
            try await store.recordAccessLinkExercise(userKey: "alice", exerciseID: "ex-1", path: "inbox/alice/a.json", now: Self.t0)
            try await store.recordAccessLinkExercise(userKey: "alice", exerciseID: "ex-1", path: "inbox/alice/b.json", now: Self.t0 + 1)
            #expect(try await store.hasAccessLinkExercise(userKey: "alice", exerciseID: "ex-1"))
            #expect(try await !store.hasAccessLinkExercise(userKey: "bob", exerciseID: "ex-1"))
        }
    }
}
