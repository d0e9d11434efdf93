import Foundation

/// The `polarpipe` executable built beside the test bundle, for tests that run it as a child process.
public enum PolarPipeExecutable {
    public static var url: URL {
        let dir = Bundle.main.bundleURL.deletingLastPathComponent()
        for candidate in [dir, dir.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("polarpipe")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/polarpipe")
    }

    public struct Result: Sendable {
        public var status: Int32
        public var output: String
    }

    /// Runs polarpipe with `arguments` and returns its exit status and its standard output and error, merged.
    public static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        try run(executable: url, arguments, environment: environment)
    }

    /// Runs any program and waits for it. Its environment is this process's without `POLARPIPE_*` (a developer's
    /// settings must not reach a test), plus `environment`.
    public static func run(executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("POLARPIPE_") }
            .merging(environment) { $1 }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }
}

/// Whether a test that needs an outside program or server runs: when it is there, and always under CI (`CI` set),
/// where a missing one must fail the test instead of skipping it. Use as `@Test(.enabled(if: TestEnvironment.runs(…)))`
/// and `#require` the program inside.
public enum TestEnvironment {
    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] != nil }
    public static func runs(_ present: Bool) -> Bool { present || isCI }

    /// Headless Chromium, where Debian installs it (`apt-get install chromium`).
    public static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Redis, where Debian installs it (`apt-get install redis-server`).
    public static let redisServer = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }
}
