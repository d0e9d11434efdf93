import ArgumentParser
import Foundation
import PolarPipeCore

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report", abstract: "Regenerate reports/ from the database.")
    @OptionGroup var options: WorkspaceOptions

    func run() async throws {
        let ws = options.resolvedWorkspace
        guard FileManager.default.fileExists(atPath: ws.root.path) else { throw CLIError.noWorkspace(ws) }
        let store = try await options.openReadStore()
        let data = try await ReportData.load(from: store, now: Clock.nowMillis())
        let files = try await ReportWriter.write(data, to: ws.reports, store: store, mapTiles: try options.loadConfiguration().mapTiles)
        print("wrote \(files.count) files to \(ws.reports.path)")
    }
}
