import ArgumentParser
import Foundation
import PolarPipeCore
import PolarPipeService

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the HTTP service, the daily DAG run and the AccessLink sync until SIGTERM/SIGINT.")
    @OptionGroup var options: WorkspaceOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0 picks a free one).") var port = 8080
    @Option(help: "Response cache: memory (in-process, the default), off, or redis://host:port (overrides service.cache).")
    var cache: String?

    func validate() throws {
        guard (0 ... 65_535).contains(port) else { throw ValidationError("--port must be from 0 to 65535") }
        if let cache, CacheSetting(cache) == nil {
            throw ValidationError("--cache must be memory, off or redis://host[:port] (port 1 to 65535), not '\(cache)'")
        }
    }

    func run() async throws {
        LoggingBootstrap.once(level: options.verbose ? .info : .notice)
        let environment = try await options.serviceEnvironment(cache: cache.flatMap(CacheSetting.init))
        try environment.workspace.create()
        try await PolarPipeServer.run(environment, host: host, port: port) { port in
            // Unbuffered, so a supervisor reading a pipe sees the address at once.
            FileHandle.standardOutput.write(Data("polarpipe serving http://\(host):\(port)/ (workspace \(environment.workspace.root.path), cache \(environment.configuration.cache))\n".utf8))
        }
    }
}

struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users", abstract: "Manage users of the service.", subcommands: [Add.self, LinkAccessLink.self, UnlinkAccessLink.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user (its inbox folder is inbox/KEY).")
        @OptionGroup var options: WorkspaceOptions
        @Argument(help: "The user key: letters, digits, '-', '_', '.'.") var key: String

        func validate() throws {
            guard UserKey.isValid(key) else { throw ValidationError("'\(key)' is not a valid user key (letters, digits, -, _, .; at most 64)") }
        }

        func run() async throws {
            let store = try await options.openStore()
            let existed = try await store.user(key: key) != nil
            _ = try await store.upsertUser(key: key, physical: nil, polarUserID: nil, now: Clock.nowMillis())
            try FileManager.default.createDirectory(at: options.resolvedWorkspace.inbox.appendingPathComponent(key), withIntermediateDirectories: true)
            print(existed ? "user \(key) exists" : "user \(key) created")
        }
    }

    struct LinkAccessLink: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "link-accesslink",
            abstract: "Store a user's Polar AccessLink OAuth2 access token and Polar user id (x_user_id of the token response).")
        @OptionGroup var options: WorkspaceOptions
        @Argument(help: "The user key.") var key: String
        @Option(help: "The Polar user id.") var polarUserID: Int64
        @Option(help: "File holding the access token ('-' reads standard input).") var accessTokenFile: String

        func run() async throws {
            let store = try await options.openStore()
            guard try await store.user(key: key) != nil else { throw CLIError("no user \(key); run `polarpipe users add \(key)` first") }
            let data = accessTokenFile == "-" ? FileHandle.standardInput.readDataToEndOfFile()
                                              : try Data(contentsOf: URL(fileURLWithPath: accessTokenFile))
            let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else { throw CLIError("the access token file \(accessTokenFile) is empty") }
            let accounts = try AccessLinkAccounts(store: store, configuration: try options.loadConfiguration())
            try await accounts.save(userKey: key, polarUserID: polarUserID, accessToken: token, now: Clock.nowMillis())
            print("AccessLink account of \(key) stored (Polar user \(polarUserID))")
        }
    }

    struct UnlinkAccessLink: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "unlink-accesslink",
            abstract: "Disconnect a user's Polar account: delete its stored AccessLink token, then de-register the user at AccessLink.",
            discussion: "The stored account is removed even when AccessLink cannot be reached (the output then says Polar was not told). "
                + "Exercises already loaded stay.")
        @OptionGroup var options: WorkspaceOptions
        @Argument(help: "The user key.") var key: String

        func run() async throws {
            let environment = try await options.serviceEnvironment()
            guard try await environment.store.user(key: key) != nil else { throw CLIError("no user \(key)") }
            guard let outcome = try await AccessLinkConnection(environment: environment).disconnect(userKey: key) else {
                throw CLIError("user \(key) has no AccessLink account: nothing to disconnect")
            }
            print(outcome.sentence)
        }
    }
}

struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens", abstract: "Manage API tokens.", subcommands: [Create.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a bearer token for a user; prints it as the last line (only a salted hash is stored).")
        @OptionGroup var options: WorkspaceOptions
        @Argument(help: "The user key.") var key: String
        @Flag(help: "An admin token: reads every user, runs and global statistics.") var admin = false

        func run() async throws {
            let store = try await options.openStore()
            guard try await store.user(key: key) != nil else { throw CLIError("no user \(key); run `polarpipe users add \(key)` first") }
            let token = try await Tokens.create(userKey: key, admin: admin, store: store)
            print("\(admin ? "admin " : "")token for \(key) (shown once):")
            print(token)
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token.")
        @OptionGroup var options: WorkspaceOptions
        @Argument(help: "The token, or its id (the part after pp_).") var token: String

        func run() async throws {
            let store = try await options.openStore()
            let id = Tokens.id(of: token) ?? token
            guard try await store.deleteToken(id: id) else { throw CLIError("no token \(id)") }
            print("token \(id) revoked")
        }
    }
}

struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync", abstract: "Pull data from devices.", subcommands: [AccessLink.self])

    struct AccessLink: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "accesslink", abstract: "Pull new exercises of every linked user from Polar AccessLink into the inbox.")
        @OptionGroup var options: WorkspaceOptions

        func run() async throws {
            _ = options.makeLogger()
            let environment = try await options.serviceEnvironment()
            var sync = AccessLinkSync(environment: environment)
            sync.progress = { print($0) }
            let report = await sync.syncAll()
            print("\(report.users) users: \(report.written) exercises written, \(report.skipped) already had, \(report.committed) transactions committed")
            for error in report.errors { print("error: \(error)") }
            if !report.errors.isEmpty { throw ExitCode(1) }
        }
    }
}

extension WorkspaceOptions {
    /// The service's environment; `cache` (from `serve --cache`) wins over `service.cache`.
    func serviceEnvironment(cache: CacheSetting? = nil) async throws -> ServiceEnvironment {
        var configuration = try loadConfiguration()
        if let cache { configuration.cache = cache }
        return ServiceEnvironment(workspace: resolvedWorkspace, store: try await openStore(), configuration: configuration, logger: makeLogger())
    }
}
