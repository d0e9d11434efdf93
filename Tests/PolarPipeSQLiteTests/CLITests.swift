import Foundation
import Testing
import PolarPipeCore
import PolarPipeSQLite
import PolarPipeTestSupport

/// The real `polarpipe` executable as a user meets it: what a command prints when something is missing or wrong, the
/// exit status, the version, the progress on a terminal and the run table.
@Suite(.timeLimit(.minutes(5))) struct CLITests {
    static func polarpipe(_ arguments: [String]) throws -> PolarPipeExecutable.Result {
        try PolarPipeExecutable.run(arguments)
    }

    /// A folder in the temporary folder that does not exist.
    static func missingFolder(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8))", isDirectory: true)
    }

    static func lines(_ output: String) -> [String] { output.split(separator: "\n").map(String.init) }

    // MARK: Missing workspace, empty inbox

    @Test(arguments: [["stats"], ["stats", "global", "--json"], ["stats", "user", "ann"], ["stats", "rebuild"], ["runs"],
                      ["runs", "list", "--json"], ["runs", "show", "run-1"], ["report"]])
    func readCommandsOnAMissingWorkspaceSaySoAndCreateNothing(_ command: [String]) throws {
        let root = Self.missingFolder("no-workspace")
        let result = try Self.polarpipe(command + ["--workspace", root.path])
        #expect(result.status == 1)
        #expect(result.output == "polarpipe: no workspace at \(root.path); pass --workspace DIR, or put training files in "
                + "\(root.path)/inbox/<user-key>/ and run `polarpipe run`\n")
        #expect(!FileManager.default.fileExists(atPath: root.path))
    }

    @Test func readCommandsOnAWorkspaceWithoutDatabaseCreateNone() throws {
        let tmp = try TemporaryWorkspace("no-database")
        defer { tmp.remove() }
        let root = tmp.workspace.root.path
        for command in [["runs", "list"], ["stats"], ["report"]] {
            let result = try Self.polarpipe(command + ["--workspace", root])
            #expect(result.status == 1)
            #expect(result.output == "polarpipe: the workspace \(root) has no database yet; put training files in "
                    + "\(root)/inbox/<user-key>/ and run `polarpipe run`\n")
        }
        #expect(tmp.files(under: tmp.workspace.root).isEmpty)
    }

    @Test func runOnANewWorkspaceSaysWhereFilesGo() throws {
        let root = Self.missingFolder("new-workspace")
        defer { try? FileManager.default.removeItem(at: root) }
        let first = try Self.polarpipe(["run", "--workspace", root.path, "--quiet"])
        #expect(first.status == 0)
        #expect(Self.lines(first.output).count == 2)
        #expect(Self.lines(first.output).last == "new workspace: put training files in \(root.path)/inbox/<user-key>/ and run again")

        let second = try Self.polarpipe(["run", "--workspace", root.path])
        #expect(second.status == 0)
        #expect(Self.lines(second.output).last == "the inbox is empty: put training files in \(root.path)/inbox/<user-key>/ and run again")

        let workspace = Workspace(root)
        try FileManager.default.createDirectory(at: workspace.inbox.appendingPathComponent("ann"), withIntermediateDirectories: true)
        try Data(OldLayoutFixtures.session(exercises: [OldLayoutFixtures.manualExercise]).utf8)
            .write(to: workspace.inbox.appendingPathComponent("ann/tennis.json"))
        let unsettled = try Self.polarpipe(["run", "--workspace", root.path, "--quiet", "--settle-seconds", "3600"])
        #expect(Self.lines(unsettled.output).last == "1 file in \(workspace.inbox.path) changed within the last 3600 s "
                + "(--settle-seconds); run again when it is complete")
    }

    // MARK: Database URLs

    @Test(arguments: ["mysql://user@localhost/polar", "mysql:polar.db", "https://example.com/db.sqlite"])
    func anUnknownDatabaseSchemeIsAnErrorAndNoFile(_ url: String) throws {
        let root = Self.missingFolder("scheme")
        defer { try? FileManager.default.removeItem(at: root) }
        let scheme = String(url.prefix { $0 != ":" })
        for command in [["run"], ["runs", "list"]] {
            let result = try Self.polarpipe(command + ["--workspace", root.path, "--database", url])
            #expect(result.status == 1)
            #expect(result.output == "polarpipe: unknown database URL scheme '\(scheme):'; use a SQLite file path, sqlite:PATH or postgres://…\n")
        }
        #expect(!FileManager.default.fileExists(atPath: scheme + ":"))
        #expect(!FileManager.default.fileExists(atPath: root.path))
    }

    @Test func sqliteURLsAndPlainPathsNameTheSameFile() throws {
        let tmp = try TemporaryWorkspace("sqlite-forms")
        defer { tmp.remove() }
        let database = tmp.workspace.root.appendingPathComponent("elsewhere.sqlite").path
        try tmp.drop(OldLayoutFixtures.session(exercises: [OldLayoutFixtures.manualExercise]), at: "ann/tennis.json")
        let run = try Self.polarpipe(["run", "--workspace", tmp.workspace.root.path, "--database", "sqlite:" + database, "--quiet"])
        #expect(run.status == 0, "\(run.output)")
        #expect(FileManager.default.fileExists(atPath: database))
        #expect(!FileManager.default.fileExists(atPath: tmp.workspace.databaseFile.path))
        let runID = try #require(Self.lines(run.output).first?.split(separator: " ").dropFirst().first.map(String.init))
        for form in ["sqlite://" + database, "sqlite:" + database, database] {
            let list = try Self.polarpipe(["runs", "list", "--workspace", tmp.workspace.root.path, "--database", form])
            #expect(list.status == 0)
            #expect(Self.lines(list.output).count == 2 && list.output.contains(runID + "  success"), "\(form): \(list.output)")
        }
    }

    @Test func aMissingFolderOfTheDatabaseFileIsAnErrorNotCreated() throws {
        let tmp = try TemporaryWorkspace("db-folder")
        defer { tmp.remove() }
        let folder = Self.missingFolder("db-folder-missing")
        let path = folder.appendingPathComponent("polar.sqlite").path
        for database in [path, "sqlite://" + path] {
            let result = try Self.polarpipe(["run", "--workspace", tmp.workspace.root.path, "--database", database])
            #expect(result.status == 1)
            #expect(result.output == "polarpipe: the folder \(folder.path) of the database file \(path) does not exist; create it first\n")
        }
        #expect(!FileManager.default.fileExists(atPath: folder.path))
    }

    // MARK: One-line runtime errors, bad flags

    @Test func runtimeErrorsAreOneLineWithoutUsage() throws {
        let tmp = try TemporaryWorkspace("one-line")
        defer { tmp.remove() }
        let ws = ["--workspace", tmp.workspace.root.path]
        #expect(try Self.polarpipe(["run", "--quiet"] + ws).status == 0)
        let cases: [([String], String)] = [
            (["runs", "show", "nope"], "no run with id nope; `polarpipe runs list` shows the recent runs"),
            (["stats", "user", "nobody"], "no user nobody in this workspace; its files go in inbox/nobody/"),
            (["tokens", "create", "nobody"], "no user nobody; run `polarpipe users add nobody` first"),
        ]
        for (command, message) in cases {
            let result = try Self.polarpipe(command + ws)
            #expect(result.status == 1)
            #expect(result.output == "polarpipe: \(message)\n")
        }
        try Data("[run]\nretries = -1\n".utf8).write(to: tmp.workspace.configurationFile)
        let config = try Self.polarpipe(["runs", "list"] + ws)
        #expect(config.status == 1)
        #expect(config.output == "polarpipe: bad value '-1' for run.retries (from polarpipe.toml): expected integer from 0 to 100\n")
    }

    @Test(arguments: [
        (["run", "--max-exercises", "0"], "--max-exercises must be from 1 to 10000000"),
        (["run", "--retries", "1000"], "--retries must be from 0 to 100"),
        (["run", "--retry-delay", "nan"], "--retry-delay must be from 0 to 604800 seconds"),
        (["run", "--settle-seconds=-1"], "--settle-seconds must be from 0 to 86400 seconds"),
        (["run", "--quiet", "--verbose"], "--quiet and --verbose exclude each other"),
        (["runs", "list", "--limit", "0"], "--limit must be from 1 to 10000"),
        (["serve", "--port", "70000"], "--port must be from 0 to 65535"),
        (["generate", "--out", "x", "--users", "0"], "--users must be from 1 to 10000"),
        (["bench", "--per-user", "0"], "--per-user must be from 1 to 10000"),
        (["bench", "--fenced-writes", "5"], "--fenced-writes must be from 10 to 1000000"),
    ])
    func badFlagsNameTheirRangeWithUsage(_ command: [String], _ message: String) throws {
        let root = Self.missingFolder("bad-flag")
        let result = try Self.polarpipe(command + (command[0] == "generate" || command[0] == "bench" ? [] : ["--workspace", root.path]))
        #expect(result.status == 64)
        #expect(result.output.hasPrefix("Error: \(message)\nUsage: polarpipe \(command[0])"), "\(result.output)")
        #expect(!FileManager.default.fileExists(atPath: root.path))
    }

    /// `bench --fenced-writes` times writes with and without the lease's fencing check, and gives the lease back.
    @Test func benchFencedWritesTimesBothKindsAndReleasesTheLease() async throws {
        let root = Self.missingFolder("bench-fencing")
        defer { try? FileManager.default.removeItem(at: root) }
        let result = try Self.polarpipe(["bench", "--fenced-writes", "40", "--workspace", root.path])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.hasPrefix("40 writes each, 10 blocks alternating: plain "), "\(result.output)")
        #expect(result.output.contains(" µs per write, fenced "))
        let store = try await SQLiteStore(path: Workspace(root).databaseFile.path)
        #expect(try await store.run("bench-fencing") != nil)
        #expect(try await store.currentLease() == nil)  // released: no lease is held
    }

    @Test(arguments: [["--help"], ["run", "--help"], ["runs", "list", "--help"], ["help", "serve"]])
    func helpPrintsTheUsageAndExitsZero(_ command: [String]) throws {
        let result = try Self.polarpipe(command)
        #expect(result.status == 0)
        #expect(result.output.contains("USAGE: polarpipe") && !result.output.contains("CommandError"), "\(result.output)")
    }

    @Test func versionIsOneLine() throws {
        let result = try Self.polarpipe(["--version"])
        #expect(result.status == 0)
        #expect(result.output.wholeMatch(of: /polarpipe \d+\.\d+\.\d+\n/) != nil, "\(result.output)")
    }

    // MARK: Read-only workspace, port in use

    /// How to run polarpipe as a user that file modes bind: as `nobody` through setpriv when the tests run as root.
    static let unprivileged: (URL, [String])? = {
        guard getuid() == 0 else { return (PolarPipeExecutable.url, []) }
        let setpriv = URL(fileURLWithPath: "/usr/bin/setpriv")
        guard FileManager.default.isExecutableFile(atPath: setpriv.path) else { return nil }
        return (setpriv, ["--reuid=65534", "--regid=65534", "--clear-groups", PolarPipeExecutable.url.path])
    }()

    /// Sets the write bits of the workspace's folders and files (`writable`) or clears them.
    static func setWritable(_ root: URL, _ writable: Bool) throws {
        let fm = FileManager.default
        var items = [root.path]
        if let e = fm.enumerator(atPath: root.path) { while let next = e.nextObject() as? String { items.append(root.path + "/" + next) } }
        for path in items {
            var isFolder: ObjCBool = false
            _ = fm.fileExists(atPath: path, isDirectory: &isFolder)
            let mode = isFolder.boolValue ? (writable ? 0o777 : 0o555) : (writable ? 0o666 : 0o444)
            try fm.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        }
    }

    @Test(.enabled(if: unprivileged != nil)) func aReadOnlyWorkspaceIsNamed() throws {
        let (executable, prefix) = try #require(Self.unprivileged)
        let tmp = try TemporaryWorkspace("read-only")
        defer {
            try? Self.setWritable(tmp.workspace.root, true)
            tmp.remove()
        }
        let root = tmp.workspace.root.path
        try tmp.drop(OldLayoutFixtures.session(exercises: [OldLayoutFixtures.manualExercise]), at: "ann/tennis.json")
        #expect(try Self.polarpipe(["run", "--workspace", root, "--quiet"]).status == 0)
        try tmp.drop(OldLayoutFixtures.session(exercises: [OldLayoutFixtures.runningExercise]), at: "ann/run.json")
        try Self.setWritable(tmp.workspace.root, false)

        let message = "polarpipe: the workspace \(root) is read-only; make it writable or pass another --workspace\n"
        for command in [["run"], ["stats", "rebuild"], ["users", "add", "bob"]] {
            let result = try PolarPipeExecutable.run(executable: executable, prefix + command + ["--workspace", root])
            #expect(result.status == 1)
            #expect(result.output == message, "\(command): \(result.output)")
        }
        let named = try PolarPipeExecutable.run(executable: executable, prefix + ["stats", "rebuild", "--database", tmp.workspace.databaseFile.path])
        #expect(named.status == 1)
        #expect(named.output == "polarpipe: the database \(tmp.workspace.databaseFile.path) is read-only; make it and its folder writable\n")
        #expect(tmp.files(under: tmp.workspace.inbox) == ["inbox/ann/run.json"])
    }

    @Test func servePortInUseIsOneLine() throws {
        let occupied = try LoopbackHTTPListener()
        defer { occupied.stop() }
        let tmp = try TemporaryWorkspace("port")
        defer { tmp.remove() }
        let result = try Self.polarpipe(["serve", "--workspace", tmp.workspace.root.path, "--port", "\(occupied.port)"])
        #expect(result.status == 1)
        #expect(result.output == "polarpipe: port \(occupied.port) on 127.0.0.1 is in use; pass --port\n")
    }

    // MARK: Logging, progress, tables

    @Test(arguments: [false, true]) func fileWarningsAreLoggedUnlessQuiet(_ quiet: Bool) throws {
        let tmp = try TemporaryWorkspace("quiet")
        defer { tmp.remove() }
        try tmp.drop(OldLayoutFixtures.session(exercises: [OldLayoutFixtures.manualExercise], sessionOffset: nil), at: "ann/no-offset.json")
        let result = try Self.polarpipe(["run", "--workspace", tmp.workspace.root.path] + (quiet ? ["--quiet"] : []))
        #expect(result.status == 0)
        #expect(result.output.contains("warning") == !quiet)
        #expect(result.output.contains("code=missing-timezone") == !quiet)
        if quiet {
            #expect(Self.lines(result.output).map { $0.prefix(4) } == ["run ", "dash"], "\(result.output)")
        }
    }

    @Test func progressOnATerminalCountsFilesAndMegabytes() throws {
        let tmp = try TemporaryWorkspace("terminal")
        defer { tmp.remove() }
        let bytes = try SyntheticData(users: 2, sessionsPerUser: 3, seed: 5, durationSeconds: 300).write(to: tmp.workspace.inbox)
        let mb = String(format: "%.1f", Double(bytes) / 1e6)
        let result = try PseudoTerminal.run(["run", "--workspace", tmp.workspace.root.path, "--retries", "0"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("… validate_json_files  1/6 files, "), "\(result.output)")
        #expect(result.output.contains("6/6 files, \(mb)/\(mb) MB"))
        #expect(result.output.contains(" files=6 quarantined=0 skipped=0 user_shards=1 valid=6 (\(mb) MB)"))
        #expect(result.output.contains("✓ load_heart_rate_samples ") && result.output.contains("1 shard  exercises=6"))
        #expect(result.output.contains("success: 6 files (\(mb) MB) — 6 loaded"))

        // Without a terminal: plain lines, no status line.
        let plain = try TemporaryWorkspace("no-terminal")
        defer { plain.remove() }
        _ = try SyntheticData(users: 2, sessionsPerUser: 3, seed: 5, durationSeconds: 300).write(to: plain.workspace.inbox)
        let piped = try Self.polarpipe(["run", "--workspace", plain.workspace.root.path, "--retries", "0"])
        #expect(!piped.output.contains("\r") && !piped.output.contains("…"))
        #expect(piped.output.contains("(\(mb) MB)"))
    }

    @Test func runsListColumnsFitLongAirflowRunIDs() throws {
        let tmp = try TemporaryWorkspace("long-ids")
        defer { tmp.remove() }
        let ws = ["--workspace", tmp.workspace.root.path]
        #expect(try Self.polarpipe(["run", "--quiet"] + ws).status == 0)
        let airflowID = "manual__2026-12-01T16:34:31.123456+00:00"
        _ = try Self.polarpipe(["task", "validate_json_files", "--run-id", airflowID] + ws)
        let list = try Self.polarpipe(["runs", "list"] + ws)
        #expect(list.status == 0)
        let lines = Self.lines(list.output)
        try #require(lines.count == 3, "\(list.output)")
        let header = lines[0]
        #expect(lines[1].hasPrefix(airflowID + "  running  "))
        for column in ["STATE", "STARTED (UTC)", "DURATION"] {
            let start = try #require(header.range(of: column)).lowerBound.utf16Offset(in: header)
            for line in lines.dropFirst() {
                let characters = Array(line)
                // Each value begins where its heading does, after at least two spaces.
                #expect(characters.count > start && characters[start] != " " && characters[start - 1] == " "
                        && characters[start - 2] == " ", "\(column) in \(line)")
            }
        }
    }
}
