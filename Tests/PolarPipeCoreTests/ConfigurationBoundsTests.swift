import Foundation
import Testing
@testable import PolarPipeCore

/// Numeric settings outside their range are refused when read, with a message naming the key and the range.
@Suite struct ConfigurationBoundsTests {
    func message(_ environment: [String: String]) -> String? {
        do {
            _ = try ConfigurationLoader.load(file: nil, environment: environment)
            return nil
        } catch {
            return String(describing: error)
        }
    }

    @Test func aHugeRunTimeoutIsRefusedWithTheKeyAndItsRange() throws {
        let text = try #require(message(["POLARPIPE_RUN_TIMEOUT": "1e300"]))
        #expect(text.contains("run.timeout") && text.contains("POLARPIPE_RUN_TIMEOUT"))
        #expect(text.contains("from 0.001 to 2592000"))
    }

    @Test func aHugeTimeoutInTheFileIsRefusedToo() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("polarpipe-\(UUID().uuidString).toml")
        try Data("[run]\ntask_timeout = 1e300\n".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.load(file: url, environment: [:]) }
        do {
            _ = try ConfigurationLoader.load(file: url, environment: [:])
        } catch {
            #expect(String(describing: error).contains("run.task_timeout"))
        }
    }

    @Test(arguments: [("POLARPIPE_RUN_RETRY_DELAY", "1e300", "run.retry_delay"),
                      ("POLARPIPE_RUN_RETRY_MAX_DELAY", "nan", "run.retry_max_delay"),
                      ("POLARPIPE_RUN_LEASE_SECONDS", "1e19", "run.lease_seconds"),
                      ("POLARPIPE_INBOX_SETTLE_SECONDS", "inf", "inbox.settle_seconds"),
                      ("POLARPIPE_BATCH_MAX_EXERCISES", "0", "batch.max_exercises"),
                      ("POLARPIPE_BATCH_CHUNK_SIZE", "9223372036854775807", "batch.chunk_size"),
                      ("POLARPIPE_RUN_RETRIES", "1000000", "run.retries"),
                      ("POLARPIPE_RETRIES_GENERATE_REPORTS", "1000000", "retries.generate_reports")])
    func outOfRangeValuesNameTheirKey(_ variable: String, _ value: String, _ key: String) throws {
        let text = try #require(message([variable: value]), "\(variable)=\(value) was accepted")
        #expect(text.contains(key) && text.contains("from "), "\(text)")
    }

    @Test func valuesAtTheBoundsAreAccepted() throws {
        let c = try ConfigurationLoader.load(file: nil, environment: [
            "POLARPIPE_RUN_TIMEOUT": "2592000", "POLARPIPE_RUN_LEASE_SECONDS": "86400", "POLARPIPE_BATCH_MAX_EXERCISES": "1",
            "POLARPIPE_RUN_RETRY_DELAY": "0",
        ])
        #expect(c.runTimeoutSeconds == 2_592_000 && c.leaseTTLMillis == 86_400_000 && c.maxExercisesPerRun == 1)
        #expect(c.retryPolicy.delaySeconds == 0)
        try ConfigurationBounds.validate(c)
    }

    @Test func aConfigurationChangedInCodeIsCheckedAgainstTheSameBounds() {
        var c = PipelineConfiguration()
        #expect(throws: Never.self) { try ConfigurationBounds.validate(c) }
        c.retryPolicy.delaySeconds = 1e300
        #expect(throws: ConfigurationError(message: "run.retry_delay must be from 0.0 to 604800.0 (got 1e+300)")) {
            try ConfigurationBounds.validate(c)
        }
        c = PipelineConfiguration()
        c.maxExercisesPerRun = 0
        #expect(throws: ConfigurationError(message: "batch.max_exercises must be from 1 to 10000000 (got 0)")) {
            try ConfigurationBounds.validate(c)
        }
    }
}
