import ArgumentParser
import Foundation
import PolarPipeCore

struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Query or rebuild statistics.",
        subcommands: [User.self, Global.self, Rebuild.self], defaultSubcommand: Global.self)

    struct User: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Statistics of one user.")
        @OptionGroup var options: WorkspaceOptions
        @Argument(help: "The user key (inbox folder name).") var userKey: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let store = try await options.openReadStore()
            guard let user = try await store.user(key: userKey) else {
                throw CLIError("no user \(userKey) in this workspace; its files go in inbox/\(userKey)/")
            }
            if json {
                guard let view = try await UserJSON.load(userID: user.id, store: store) else { print("no statistics for \(userKey) yet"); return }
                print(try RunHistoryJSON.encode(view))
                return
            }
            guard let s = try await store.userStatistics(userID: user.id) else { print("no statistics for \(userKey) yet"); return }
            let weeks = try await store.userWeekly(userID: user.id)
            let records = try await store.userRecords(userID: user.id)
            let load = try await store.userDailyLoad(userID: user.id).last
            let rows: [(String, String)] = [
                ("user", userKey), ("exercises", "\(s.totalExercises)"), ("distance", Format.km(s.totalDistanceM)),
                ("duration", Format.duration(s.totalDurationS)), ("calories", Format.number(s.totalCalories, digits: 0)),
                ("avg distance", Format.km(s.avgDistanceM)), ("avg duration", Format.duration(s.avgDurationS)),
                ("avg HR", Format.number(s.avgHR)), ("most common sport", s.mostCommonSport ?? "–"),
                ("first exercise (UTC)", Format.date(s.firstExerciseAtMillis)), ("last exercise (UTC)", Format.date(s.lastExerciseAtMillis)),
            ]
            for (k, v) in rows { print(k.padding(toLength: 22, withPad: " ", startingAt: 0) + v) }
            if let load {
                print("fitness/fatigue/form".padding(toLength: 22, withPad: " ", startingAt: 0)
                      + String(format: "%.1f / %.1f / %.1f", load.ctl, load.atl, load.tsb))
            }
            // Power records (best efforts and normalized power per sport) are stored among the others.
            let power = records.filter { PowerRecords.isPower($0.record) }
            let named = records.sorted(by: { ($0.sport, $0.displayRank) < ($1.sport, $1.displayRank) })
                .map { (SportNames.displayName($0.sport) + ", " + $0.title.lowercased(), $0.formattedValue) }
            let width = max(30, (named.map(\.0.count).max() ?? 0) + 1)
            for (name, value) in named { print(name.padding(toLength: width, withPad: " ", startingAt: 0) + value) }
            if power.isEmpty { print("power records".padding(toLength: width, withPad: " ", startingAt: 0) + "none (no exercise has power samples)") }
            printWeeks(weeks.map { ($0.week, $0.exercises, $0.distanceM, Format.duration($0.durationS) + String(format: "  TRIMP %.0f", $0.trimp)) })
        }
    }

    struct Global: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Global statistics.")
        @OptionGroup var options: WorkspaceOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let store = try await options.openReadStore()
            if json {
                print(try RunHistoryJSON.encode(try await GlobalJSON.load(store: store)))
                return
            }
            let g = try await store.computeGlobalStatistics()
            let weeks = try await store.globalWeekly()
            let rows: [(String, String)] = [
                ("users", "\(g.totalUsers)"), ("exercises", "\(g.totalExercises)"), ("distance", Format.km(g.totalDistanceM)),
                ("duration", Format.duration(g.totalDurationS)), ("calories", Format.number(g.totalCalories, digits: 0)),
                ("HR samples", "\(g.totalHRSamples)"), ("GPS points", "\(g.totalGPSPoints)"),
                ("last 7 days", "\(g.exercisesLast7d)"), ("previous 7 days", "\(g.exercisesPrev7d)"),
            ] + g.sportDistribution.map { ("  " + $0.sport, "\($0.exercises)") }
            for (k, v) in rows { print(k.padding(toLength: 22, withPad: " ", startingAt: 0) + v) }
            printWeeks(weeks.map { ($0.week, $0.exercises, $0.distanceM, "\($0.activeUsers) active users") })
        }
    }

    struct Rebuild: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Recompute all statistics from the stored samples.")
        @OptionGroup var options: WorkspaceOptions

        func run() async throws {
            let store = try await options.openStore(mustExist: true)
            let runner = PipelineRunner(workspace: options.resolvedWorkspace, store: store, configuration: try options.loadConfiguration(),
                                        logger: options.makeLogger())
            do {
                let result = try await runner.rebuildStatistics()
                print("rebuilt statistics of \(result.exercises) exercises and \(result.users) users")
            } catch let error as PipelineError {
                FileHandle.standardError.write(Data("polarpipe: \(error)\n".utf8))
                if case .anotherRunActive = error { throw ExitCodes.busy }
                throw ExitCodes.runFailed
            }
        }
    }
}

/// The last weeks of a weekly table, as aligned lines.
func printWeeks(_ weeks: [(week: String, exercises: Int, distanceM: Double, extra: String)]) {
    guard !weeks.isEmpty else { return }
    print("\nWEEK      EXERCISES  DISTANCE")
    for w in weeks.suffix(12) {
        print(w.week.padding(toLength: 10, withPad: " ", startingAt: 0) + String(format: "%9d  ", w.exercises)
              + Format.km(w.distanceM).padding(toLength: 12, withPad: " ", startingAt: 0) + w.extra)
    }
}
