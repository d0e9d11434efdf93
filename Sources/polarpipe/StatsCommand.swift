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
            let store = try options.openStore()
            guard let user = try await store.user(key: userKey) else { throw ValidationError("no user \(userKey)") }
            guard let s = try await store.userStatistics(userID: user.id) else { print("no statistics for \(userKey) yet"); return }
            if json { print(try RunHistoryJSON.encode(s)); return }
            let rows: [(String, String)] = [
                ("user", userKey), ("exercises", "\(s.totalExercises)"), ("distance", Format.km(s.totalDistanceM)),
                ("duration", Format.duration(s.totalDurationS)), ("calories", Format.number(s.totalCalories, digits: 0)),
                ("avg distance", Format.km(s.avgDistanceM)), ("avg duration", Format.duration(s.avgDurationS)),
                ("avg HR", Format.number(s.avgHR)), ("most common sport", s.mostCommonSport ?? "–"),
                ("first exercise (UTC)", Format.date(s.firstExerciseAtMillis)), ("last exercise (UTC)", Format.date(s.lastExerciseAtMillis)),
            ]
            for (k, v) in rows { print(k.padding(toLength: 22, withPad: " ", startingAt: 0) + v) }
        }
    }

    struct Global: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Global statistics.")
        @OptionGroup var options: WorkspaceOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let store = try options.openStore()
            let g = try await store.computeGlobalStatistics()
            if json { print(try RunHistoryJSON.encode(g)); return }
            let rows: [(String, String)] = [
                ("users", "\(g.totalUsers)"), ("exercises", "\(g.totalExercises)"), ("distance", Format.km(g.totalDistanceM)),
                ("duration", Format.duration(g.totalDurationS)), ("calories", Format.number(g.totalCalories, digits: 0)),
                ("HR samples", "\(g.totalHRSamples)"), ("GPS points", "\(g.totalGPSPoints)"),
                ("last 7 days", "\(g.exercisesLast7d)"), ("previous 7 days", "\(g.exercisesPrev7d)"),
            ] + g.sportDistribution.map { ("  " + $0.sport, "\($0.exercises)") }
            for (k, v) in rows { print(k.padding(toLength: 22, withPad: " ", startingAt: 0) + v) }
        }
    }

    struct Rebuild: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Recompute all statistics from the stored samples.")
        @OptionGroup var options: WorkspaceOptions

        func run() async throws {
            let store = try options.openStore()
            let result = try await StatisticsRebuild.run(store: store, now: Clock.nowMillis())
            print("rebuilt statistics of \(result.exercises) exercises and \(result.users) users")
        }
    }
}
