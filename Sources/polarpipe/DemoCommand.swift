import ArgumentParser
import Foundation
import PolarPipeCore
import PolarPipeSQLite
import PolarPipeTestSupport

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Create a fresh demo workspace with example data, run the DAG, and print where the dashboard is.")

    @Option(help: "Demo workspace folder (replaced if it is an earlier demo).") var workspace = "./polarpipe-demo"

    static let marker = ".polarpipe-demo"

    func run() async throws {
        let root = URL(fileURLWithPath: workspace, isDirectory: true).standardizedFileURL
        let fm = FileManager.default
        if fm.fileExists(atPath: root.path) {
            guard fm.fileExists(atPath: root.appendingPathComponent(Self.marker).path) else {
                throw CLIError("\(root.path) exists and is not a polarpipe demo workspace; choose another --workspace")
            }
            try fm.removeItem(at: root)
        }
        let ws = Workspace(root)
        try ws.create()
        try Data("created by polarpipe demo\n".utf8).write(to: root.appendingPathComponent(Self.marker))
        // Real Polar files of both export layouts and AccessLink (see PROVENANCE.md), plus generated old-layout sessions.
        var files = 0
        for url in try RealSamples.files() {
            let user = url.lastPathComponent.hasPrefix("leewc") ? "leewc" : "accesslink-user"
            let name = String(url.lastPathComponent.split(separator: "_", maxSplits: 2).last ?? "")
            let target = ws.inbox.appendingPathComponent(user).appendingPathComponent(name)
            try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try fm.copyItem(at: url, to: target)
            files += 1
        }
        let example = SyntheticData(users: 3, sessionsPerUser: 4, seed: 2026, durationSeconds: 45 * 60)
        try example.write(to: ws.inbox) { _ in files += 1 }
        print("demo workspace \(root.path): \(files) example sessions in inbox/ (6 real Polar files, 12 generated)")

        let store = try SQLiteStore(path: ws.databaseFile.path)
        var options = try WorkspaceOptions.parse(["--workspace", root.path])
        options.verbose = false
        let progress = ProgressPrinter()
        let runner = PipelineRunner(workspace: ws, store: store, configuration: PipelineConfiguration(),
                                    logger: options.makeLogger(), onEvent: progress.handle)
        let outcome = try await runner.run().outcome
        guard outcome.state == .success else { throw ExitCodes.runFailed }
        let global = try await store.latestGlobalStatistics() ?? GlobalStatistics()
        print("""

            \(global.totalUsers) users, \(global.totalExercises) exercises, \(Format.km(global.totalDistanceM)), \
            \(Format.duration(global.totalDurationS)) of training, \(global.totalHRSamples) HR samples, \(global.totalGPSPoints) GPS points
            dashboard: \(ws.reports.appendingPathComponent("index.html").path)
            try next:  swift run -c release polarpipe runs show \(try await store.runs(limit: 1).first?.runID ?? "") --workspace \(workspace)
            """)
    }
}
