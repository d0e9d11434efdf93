import Foundation
import Logging
import PostgresNIO

/// Creating and dropping whole databases on a server: used by tests (a fresh database each) and benchmarks.
public enum PostgresAdmin {
    /// Runs `sql` (one statement, outside a transaction) on the database of `url`, over one connection of its own.
    static func execute(_ sql: String, on url: PostgresConnectionURL) async throws {
        var logger = Logger(label: "polarpipe.postgres.admin")
        logger.logLevel = .error
        let connection = try await PostgresConnection.connect(on: PostgresClient.defaultEventLoopGroup.any(),
                                                              configuration: try url.connectionConfiguration(), id: 0,
                                                              logger: logger).get()
        do {
            _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).collect()
        } catch {
            try? await connection.close()
            throw PostgresStore.readable(error)
        }
        try await connection.close()
    }

    /// Creates database `name` on the server of `serverURL` and returns its URL. `name` must be a plain identifier.
    public static func createDatabase(_ name: String, serverURL: String) async throws -> String {
        precondition(name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }, "plain identifier expected")
        let server = try PostgresConnectionURL(serverURL)
        try await execute("CREATE DATABASE \(name)", on: server)
        return url(serverURL, database: name)
    }

    /// Creates database `copy` as a copy of `name` (`CREATE DATABASE … TEMPLATE`; `name` must have no connections).
    public static func copyDatabase(_ name: String, to copy: String, serverURL: String) async throws {
        precondition((name + copy).allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }, "plain identifier expected")
        try await execute("CREATE DATABASE \(copy) TEMPLATE \(name)", on: try PostgresConnectionURL(serverURL))
    }

    public static func dropDatabase(_ name: String, serverURL: String) async throws {
        precondition(name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }, "plain identifier expected")
        try await execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", on: try PostgresConnectionURL(serverURL))
    }

    /// `serverURL` with its database replaced by `database`.
    public static func url(_ serverURL: String, database: String) -> String {
        guard var components = URLComponents(string: serverURL) else { return serverURL }
        components.path = "/" + database
        return components.string ?? serverURL
    }
}
