import Foundation
import Testing
import PolarPipeTestSupport
@testable import PolarPipeCore

func utc(_ text: String) -> Date { Date(timeIntervalSince1970: Double(PolarTime.localMillis(text)!) / 1000) }
func text(_ date: Date?) -> String? { date.map { PolarTime.format(millis: Int64($0.timeIntervalSince1970 * 1000)) } }

@Suite struct CronScheduleTests {
    @Test func dailyAtTwo() throws {
        let cron = try CronSchedule("0 2 * * *")
        #expect(text(cron.next(after: utc("2026-11-28T01:59:59"))) == "2026-11-28T02:00:00")
        #expect(text(cron.next(after: utc("2026-11-28T02:00:00"))) == "2026-11-29T02:00:00")
        #expect(text(cron.next(after: utc("2026-12-31T23:00:00"))) == "2027-01-01T02:00:00")
    }

    @Test func rangesStepsListsAndNames() throws {
        let cron = try CronSchedule("*/15 9-17/4 * JAN,mar-APR MON-FRI")
        #expect(cron.minutes == [0, 15, 30, 45])
        #expect(cron.hours == [9, 13, 17])
        #expect(cron.months == [1, 3, 4])
        #expect(cron.weekdays == [1, 2, 3, 4, 5])
        // Saturday 2026-03-07 → Monday 2026-03-09 09:00.
        #expect(text(cron.next(after: utc("2026-03-07T10:00:00"))) == "2026-03-09T09:00:00")
        #expect(try CronSchedule("5 0 * * 7").weekdays == [0])  // 7 is Sunday
        #expect(try CronSchedule("10/20 * * * *").minutes == [10, 30, 50])
    }

    @Test func dayOfMonthOrDayOfWeekWhenBothAreRestricted() throws {
        let cron = try CronSchedule("0 0 13 * FRI")
        // From Monday 2026-02-09: Friday the 13th of February is both; Friday 20th matches by weekday only.
        #expect(text(cron.next(after: utc("2026-02-09T00:00:00"))) == "2026-02-13T00:00:00")
        #expect(text(cron.next(after: utc("2026-02-13T00:00:00"))) == "2026-02-20T00:00:00")
        #expect(text(try CronSchedule("0 0 13 * *").next(after: utc("2026-02-14T00:00:00"))) == "2026-03-13T00:00:00")
    }

    @Test func leapDayAndImpossibleDates() throws {
        #expect(text(try CronSchedule("0 12 29 2 *").next(after: utc("2026-03-01T00:00:00"))) == "2028-02-29T12:00:00")
        #expect(try CronSchedule("0 0 31 2 *").next(after: utc("2026-01-01T00:00:00")) == nil)
    }

    @Test(arguments: ["", "* * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "* * * * 8", "*/0 * * * *",
                      "5-1 * * * *", "a * * * *", "1,,2 * * * *"])
    func refusesBadExpressions(_ expression: String) {
        #expect(throws: ConfigurationError.self) { try CronSchedule(expression) }
    }
}

actor VirtualClock {
    var now: Date
    var log: [String] = []
    init(_ start: Date) { now = start }
    func advance(_ seconds: TimeInterval) { now += max(0, seconds) }
    func read() -> Date { now }
    func record(_ s: String) { log.append(s) }
}

/// A clock readable from synchronous code.
final class SharedClock: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Date
    init(_ start: Date) { value = start }
    var now: Date { lock.lock(); defer { lock.unlock() }; return value }
    func advance(_ s: TimeInterval) { lock.lock(); value += max(0, s); lock.unlock() }
}

@Suite(.timeLimit(.minutes(1))) struct SchedulerTests {
    @Test func runsAtEachMatchWithoutCatchingUpAndStopsWhenCancelled() async throws {
        let clock = SharedClock(utc("2026-11-28T01:00:00"))
        let scheduler = Scheduler(schedule: try CronSchedule("0 2 * * *"), now: { clock.now }, sleep: { seconds in
            try Task.checkCancellation()
            clock.advance(seconds)
            await Task.yield()
        })
        let log = VirtualClock(clock.now)
        let task = Task {
            await scheduler.run { scheduled in
                await log.record(text(scheduled) ?? "")
                // The first job runs for three days: the missed 02:00 runs are not replayed.
                if await log.log.count == 1 { clock.advance(3 * 86_400) }
                if await log.log.count == 3 { withUnsafeCurrentTask { $0?.cancel() } }
            }
        }
        await task.value
        #expect(await log.log == ["2026-11-28T02:00:00", "2026-12-02T02:00:00", "2026-12-03T02:00:00"])
    }
}

@Suite struct ConfigurationLoaderTests {
    func file(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("polarpipe-\(UUID().uuidString).toml")
        try Data(text.utf8).write(to: url)
        return url
    }

    @Test func defaultsWithoutFileOrEnvironment() throws {
        let c = try ConfigurationLoader.load(file: nil, environment: [:])
        #expect(c == PipelineConfiguration())
        #expect(c.retryPolicy.retries == 3 && c.retryPolicy.delaySeconds == 300 && c.maxExercisesPerRun == 1000)
        #expect(c.runTimeoutSeconds == 14_400 && c.scheduleCron == "0 2 * * *" && c.limits.maxFileBytes == 256 << 20)
    }

    @Test func fileThenEnvironment() throws {
        let url = try file("""
            [run]
            retries = 5
            retry_delay = 1.5
            retry_exponential_backoff = true
            [batch]
            max_exercises = 50
            [inbox]
            settle_seconds = 10
            [alerts]
            webhook = "http://127.0.0.1:9/x"
            [schedule]
            cron = "30 3 * * *"
            """)
        defer { try? FileManager.default.removeItem(at: url) }
        let c = try ConfigurationLoader.load(file: url, environment: ["POLARPIPE_BATCH_MAX_EXERCISES": "7", "POLARPIPE_WORKSPACE": "/x",
                                                                      "HOME": "/root", "POLARPIPE_DATABASE_URL": "/tmp/db.sqlite"])
        #expect(c.retryPolicy == RetryPolicy(retries: 5, delaySeconds: 1.5, exponentialBackoff: true, maxDelaySeconds: 3600))
        #expect(c.maxExercisesPerRun == 7)  // the environment wins over the file
        #expect(c.settleSeconds == 10)
        #expect(c.alertWebhook == "http://127.0.0.1:9/x")
        #expect(c.scheduleCron == "30 3 * * *")
        #expect(c.databaseURL == "/tmp/db.sqlite")
    }

    @Test func unknownKeysAndBadValuesAreErrors() throws {
        let url = try file("[batch]\nmax_exercise = 5\n")
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.load(file: url, environment: [:]) }
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.load(file: nil, environment: ["POLARPIPE_RUN_RETRIES": "-1"]) }
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.load(file: nil, environment: ["POLARPIPE_SCHEDULE_CRON": "every day"]) }
        let broken = try file("[run\nretries = 3")
        defer { try? FileManager.default.removeItem(at: broken) }
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.load(file: broken, environment: [:]) }
    }
}

@Suite(.timeLimit(.minutes(1))) struct TimeoutTests {
    @Test func aTaskPastItsExecutionTimeoutFailsAndIsRetried() async throws {
        let calls = Counter()
        let graph = try TaskGraph("g", [
            PipelineTask<Int>("slow") { _ in
                _ = await calls.increment("slow")
                do {
                    try await Task.sleep(nanoseconds: 60_000_000_000)
                } catch {
                    _ = await calls.increment("cancelled")
                    throw error
                }
                return TaskOutput()
            },
            PipelineTask<Int>("after", dependsOn: ["slow"]) { _ in TaskOutput() },
        ])
        let outcome = try await DAGRunner(graph: graph, policy: RetryPolicy(retries: 1, delaySeconds: 0.01), recorder: InMemoryRunRecorder(),
                                          taskTimeoutSeconds: 0.1).run(runID: "r", context: 0)
        #expect(outcome.state == .failed)
        #expect(outcome.error?.contains("execution timeout") == true)
        #expect(await calls.values["slow"] == 2)
        #expect(await calls.values["cancelled"] == 2)  // each try was stopped, not waited for
        #expect(outcome.taskStates["after"] == .upstreamFailed)
    }
}

@Suite struct PerTaskRetryTests {
    @Test func perTaskOverridesFromTheFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("polarpipe-\(UUID().uuidString).toml")
        try Data("[run]\nretries = 2\n[retries]\ngenerate_reports = 5\n[retry_delay]\ngenerate_reports = 1.5\n".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let c = try ConfigurationLoader.load(file: url, environment: [:])
        #expect(c.retryPolicy(for: "generate_reports") == RetryPolicy(retries: 5, delaySeconds: 1.5))
        #expect(c.retryPolicy(for: "validate_json_files") == RetryPolicy(retries: 2, delaySeconds: 300))
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(file: nil, environment: ["POLARPIPE_RETRIES_NO_SUCH_TASK": "1"])
        }
    }

    @Test func theRunnerUsesTheTaskPolicy() async throws {
        let calls = Counter()
        let graph = try TaskGraph("g", [
            PipelineTask<Int>("a") { _ in _ = await calls.increment("a"); throw Boom() },
            PipelineTask<Int>("b") { _ in _ = await calls.increment("b"); throw Boom() },
        ])
        _ = try await DAGRunner(graph: graph, policy: RetryPolicy(retries: 0, delaySeconds: 0),
                                taskPolicies: ["b": RetryPolicy(retries: 2, delaySeconds: 0.001)],
                                recorder: InMemoryRunRecorder()).run(runID: "r", context: 0)
        #expect(await calls.values == ["a": 1, "b": 3])
    }
}
