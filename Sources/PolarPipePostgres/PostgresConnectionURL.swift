import Foundation
import PostgresNIO

/// `postgres://[user[:password]@][host][:port]/database[?sslmode=disable|prefer|require&host=/socket/dir]`,
/// as libpq understands it for the parts polarpipe uses. A `host` query item that is a path selects a Unix socket.
public struct PostgresConnectionURL: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var socketDirectory: String?
    public var sslMode: String

    /// The URL schemes libpq takes for PostgreSQL (in any letter case).
    public static let schemes = ["postgres", "postgresql"]

    public static func isPostgres(_ text: String) -> Bool {
        let lowered = text.lowercased()
        return schemes.contains { lowered.hasPrefix($0 + "://") }
    }

    public init(_ text: String) throws {
        guard Self.isPostgres(text), let components = URLComponents(string: text) else {
            throw PostgresStoreError.badURL("\(Self.redacted(text)) is not a PostgreSQL URL; it starts with postgres:// or postgresql://")
        }
        let items = components.queryItems ?? []
        func item(_ name: String) -> String? { items.first { $0.name == name }?.value }
        host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1"
        port = components.port ?? 5432
        username = components.user.flatMap { $0.removingPercentEncoding } ?? "postgres"
        password = components.password.flatMap { $0.removingPercentEncoding }
        let name = String(components.path.drop(while: { $0 == "/" }))
        guard !name.isEmpty else { throw PostgresStoreError.badURL("the URL names no database: \(Self.redacted(text))") }
        database = name.removingPercentEncoding ?? name
        socketDirectory = item("host").flatMap { $0.hasPrefix("/") ? $0 : nil }
        sslMode = item("sslmode") ?? "prefer"
        guard ["disable", "prefer", "require"].contains(sslMode) else {
            throw PostgresStoreError.badURL("sslmode must be disable, prefer or require, not \(sslMode)")
        }
    }

    /// The URL with its password replaced by `***`, for messages and logs.
    public static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? text
    }

    /// The same server, another database (used by tests and `CREATE DATABASE` helpers).
    public func with(database: String) -> PostgresConnectionURL {
        var copy = self
        copy.database = database
        return copy
    }

    /// libpq's socket file name in a socket directory.
    static func socket(_ directory: String, _ port: Int) -> String { directory + "/.s.PGSQL.\(port)" }

    /// The same settings for a single connection (used to check the server answers before starting a pool).
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        if let socketDirectory {
            configuration = .init(unixSocketPath: Self.socket(socketDirectory, port), username: username, password: password,
                                  database: database)
        } else {
            let tls: PostgresConnection.Configuration.TLS
            switch sslMode {
            case "disable": tls = .disable
            case "require": tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            default: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
            configuration = .init(host: host, port: port, username: username, password: password, database: database, tls: tls)
        }
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }

    var clientConfiguration: PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if let socketDirectory {
            configuration = .init(unixSocketPath: Self.socket(socketDirectory, port), username: username, password: password,
                                  database: database)
        } else {
            let tls: PostgresClient.Configuration.TLS
            switch sslMode {
            case "disable": tls = .disable
            case "require": tls = .require(.makeClientConfiguration())
            default: tls = .prefer(.makeClientConfiguration())
            }
            configuration = .init(host: host, port: port, username: username, password: password, database: database, tls: tls)
        }
        // All times are written and read as UTC. Commits do not wait for their WAL flush (`synchronous_commit = off`),
        // the durability of the SQLite store's `synchronous = NORMAL`: a server crash can lose the last transactions,
        // never reorder them, and a run whose last steps were lost is finished again by the next run.
        configuration.options.additionalStartupParameters = [("TimeZone", "UTC"), ("synchronous_commit", "off")]
        configuration.options.maximumConnections = 8
        return configuration
    }
}

public enum PostgresStoreError: Error, CustomStringConvertible {
    case badURL(String)
    case unexpected(String)

    public var description: String {
        switch self {
        case .badURL(let message): "bad database URL: \(message)"
        case .unexpected(let message): message
        }
    }
}
