import Foundation
import GRDB
import PolarPipeCore

/// `AccountStore` on SQLite: the tables of migrations `v4-accounts` and `v11-accesslink-states`.
extension SQLiteStore: AccountStore {
    public func insertToken(_ token: APITokenRecord) async throws {
        try await queue.write { db in
            try db.execute(sql: """
                INSERT INTO api_tokens(token_id, user_key, is_admin, salt, hash, created_at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [token.id, token.userKey, token.isAdmin, token.salt, token.hash, Self.iso(token.createdAt)])
        }
    }

    public func token(id: String) async throws -> APITokenRecord? {
        try await queue.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM api_tokens WHERE token_id = ?", arguments: [id]).map { row in
                APITokenRecord(id: row["token_id"], userKey: row["user_key"], isAdmin: row["is_admin"], salt: row["salt"],
                               hash: row["hash"], createdAt: Self.millis(row["created_at"]) ?? 0)
            }
        }
    }

    public func deleteToken(id: String) async throws -> Bool {
        try await queue.write { db in
            try db.execute(sql: "DELETE FROM api_tokens WHERE token_id = ?", arguments: [id])
            return db.changesCount > 0
        }
    }

    public func recordUpload(_ upload: UploadRecord) async throws -> (id: Int64, created: Bool) {
        try await queue.write { db in
            try db.execute(sql: """
                INSERT INTO uploads(user_key, sha256, path, bytes, layout, created_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(user_key, sha256) DO NOTHING
                """, arguments: [upload.userKey, upload.sha256, upload.path, upload.bytes, upload.layout, Self.iso(upload.createdAt)])
            let created = db.changesCount > 0
            let id = try Int64.fetchOne(db, sql: "SELECT id FROM uploads WHERE user_key = ? AND sha256 = ?",
                                        arguments: [upload.userKey, upload.sha256]) ?? 0
            return (id, created)
        }
    }

    public func upload(id: Int64) async throws -> UploadRecord? {
        try await queue.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM uploads WHERE id = ?", arguments: [id]).map { row in
                UploadRecord(id: row["id"], userKey: row["user_key"], sha256: row["sha256"], path: row["path"], bytes: row["bytes"],
                             layout: row["layout"], createdAt: Self.millis(row["created_at"]) ?? 0)
            }
        }
    }

    public func deleteUpload(id: Int64) async throws {
        try await queue.write { db in try db.execute(sql: "DELETE FROM uploads WHERE id = ?", arguments: [id]) }
    }

    public func saveAccessLinkAccount(userKey: String, polarUserID: Int64, accessToken: String, now: Int64) async throws {
        try await queue.write { db in
            try db.execute(sql: """
                INSERT INTO accesslink_accounts(user_key, polar_user_id, access_token, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT(user_key) DO UPDATE SET
                    registered_at = CASE WHEN polar_user_id = excluded.polar_user_id THEN registered_at END,
                    polar_user_id = excluded.polar_user_id, access_token = excluded.access_token, updated_at = excluded.updated_at
                """, arguments: [userKey, polarUserID, accessToken, Self.iso(now)])
        }
    }

    public func accessLinkAccounts() async throws -> [AccessLinkAccount] {
        try await queue.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM accesslink_accounts ORDER BY user_key").map(Self.accessLinkAccount(row:))
        }
    }

    public func accessLinkAccount(userKey: String) async throws -> AccessLinkAccount? {
        try await queue.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM accesslink_accounts WHERE user_key = ?", arguments: [userKey]).map(Self.accessLinkAccount(row:))
        }
    }

    public func removeAccessLinkAccount(userKey: String) async throws -> AccessLinkAccount? {
        // One write transaction: the row is read and deleted together, so only one of two removals gets it.
        try await queue.write { db in
            let account = try Row.fetchOne(db, sql: "SELECT * FROM accesslink_accounts WHERE user_key = ?", arguments: [userKey])
                .map(Self.accessLinkAccount(row:))
            try db.execute(sql: "DELETE FROM accesslink_accounts WHERE user_key = ?", arguments: [userKey])
            try db.execute(sql: "DELETE FROM accesslink_states WHERE user_key = ?", arguments: [userKey])
            return account
        }
    }

    static func accessLinkAccount(row: Row) -> AccessLinkAccount {
        AccessLinkAccount(userKey: row["user_key"], polarUserID: row["polar_user_id"], accessToken: row["access_token"],
                          registeredAt: millis(row["registered_at"]))
    }

    public func replaceAccessLinkToken(userKey: String, stored: String, replacement: String, now: Int64) async throws -> Bool {
        try await queue.write { db in
            try db.execute(sql: "UPDATE accesslink_accounts SET access_token = ?, updated_at = ? WHERE user_key = ? AND access_token = ?",
                           arguments: [replacement, Self.iso(now), userKey, stored])
            return db.changesCount > 0
        }
    }

    public func markAccessLinkRegistered(userKey: String, now: Int64) async throws {
        try await queue.write { db in
            try db.execute(sql: "UPDATE accesslink_accounts SET registered_at = ? WHERE user_key = ?", arguments: [Self.iso(now), userKey])
        }
    }

    public func hasAccessLinkExercise(userKey: String, exerciseID: String) async throws -> Bool {
        try await queue.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM accesslink_exercises WHERE user_key = ? AND exercise_id = ?",
                              arguments: [userKey, exerciseID]) ?? false
        }
    }

    public func recordAccessLinkExercise(userKey: String, exerciseID: String, path: String, now: Int64) async throws {
        try await queue.write { db in
            try db.execute(sql: """
                INSERT INTO accesslink_exercises(user_key, exercise_id, path, fetched_at) VALUES (?, ?, ?, ?)
                ON CONFLICT(user_key, exercise_id) DO UPDATE SET path = excluded.path, fetched_at = excluded.fetched_at
                """, arguments: [userKey, exerciseID, path, Self.iso(now)])
        }
    }

    public func saveAccessLinkState(hash: String, userKey: String, expiresAt: Int64) async throws {
        try await queue.write { db in
            try db.execute(sql: "INSERT INTO accesslink_states(state_hash, user_key, expires_ms) VALUES (?, ?, ?)",
                           arguments: [hash, userKey, expiresAt])
        }
    }

    public func takeAccessLinkState(hash: String, now: Int64) async throws -> String? {
        try await queue.write { db in
            let row = try Row.fetchOne(db, sql: "SELECT user_key, expires_ms FROM accesslink_states WHERE state_hash = ?", arguments: [hash])
            try db.execute(sql: "DELETE FROM accesslink_states WHERE state_hash = ? OR expires_ms <= ?", arguments: [hash, now])
            guard let row, (row["expires_ms"] as Int64) > now else { return nil }
            return row["user_key"]
        }
    }

    public func ping() async throws {
        // Reads the schema, so a broken or vanished database file fails, not only a closed connection.
        _ = try await queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_master") }
    }
}
