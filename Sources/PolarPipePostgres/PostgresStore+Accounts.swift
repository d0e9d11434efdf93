import PolarPipeCore
import PostgresNIO

/// `AccountStore` on PostgreSQL: the tables of migrations `v2_accounts` and `v9_accesslink_states`.
extension PostgresStore: AccountStore {
    public func insertToken(_ token: APITokenRecord) async throws {
        try await execute("""
            INSERT INTO api_tokens(token_id, user_key, is_admin, salt, hash, created_at)
            VALUES (\(token.id), \(token.userKey), \(token.isAdmin), \(token.salt), \(token.hash), pp_ts(\(token.createdAt)))
            """)
    }

    public func token(id: String) async throws -> APITokenRecord? {
        try await rows("""
            SELECT token_id, user_key, is_admin, salt, hash, pp_ms(created_at) AS created_ms FROM api_tokens WHERE token_id = \(id)
            """).first.map { r in
            APITokenRecord(id: try r.value("token_id"), userKey: try r.value("user_key"), isAdmin: try r.value("is_admin"),
                           salt: try r.value("salt"), hash: try r.value("hash"), createdAt: try r.value("created_ms"))
        }
    }

    public func deleteToken(id: String) async throws -> Bool {
        !(try await rows("DELETE FROM api_tokens WHERE token_id = \(id) RETURNING token_id")).isEmpty
    }

    public func recordUpload(_ upload: UploadRecord) async throws -> (id: Int64, created: Bool) {
        // The insert answers the new id; when the same user already sent the same bytes it answers nothing and
        // the existing row is read. Both in one statement, so two identical uploads at once get one id.
        let r = try await rows("""
            WITH inserted AS (
                INSERT INTO uploads(user_key, sha256, path, bytes, layout, created_at)
                VALUES (\(upload.userKey), \(upload.sha256), \(upload.path), \(upload.bytes), \(upload.layout), pp_ts(\(upload.createdAt)))
                ON CONFLICT(user_key, sha256) DO NOTHING RETURNING id)
            SELECT id, true AS created FROM inserted
            UNION ALL
            SELECT id, false AS created FROM uploads WHERE user_key = \(upload.userKey) AND sha256 = \(upload.sha256)
            """)
        if let row = r.first(where: { (try? $0.value("created") as Bool) == true }) ?? r.first {
            return (try row.value("id"), try row.value("created"))
        }
        // A concurrent insert committed between the two halves: read it now.
        let existing = try await rows("SELECT id FROM uploads WHERE user_key = \(upload.userKey) AND sha256 = \(upload.sha256)")
        guard let id: Int64 = try existing.first?.value("id") else { throw PostgresStoreError.unexpected("upload row vanished") }
        return (id, false)
    }

    public func upload(id: Int64) async throws -> UploadRecord? {
        try await rows("""
            SELECT id, user_key, sha256, path, bytes, layout, pp_ms(created_at) AS created_ms FROM uploads WHERE id = \(id)
            """).first.map { r in
            UploadRecord(id: try r.value("id"), userKey: try r.value("user_key"), sha256: try r.value("sha256"), path: try r.value("path"),
                         bytes: try r.value("bytes"), layout: try r.value("layout"), createdAt: try r.value("created_ms"))
        }
    }

    public func deleteUpload(id: Int64) async throws {
        try await execute("DELETE FROM uploads WHERE id = \(id)")
    }

    public func saveAccessLinkAccount(userKey: String, polarUserID: Int64, accessToken: String, now: Int64) async throws {
        try await execute("""
            INSERT INTO accesslink_accounts(user_key, polar_user_id, access_token, updated_at)
            VALUES (\(userKey), \(polarUserID), \(accessToken), pp_ts(\(now)))
            ON CONFLICT(user_key) DO UPDATE SET
                registered_at = CASE WHEN accesslink_accounts.polar_user_id = excluded.polar_user_id
                                     THEN accesslink_accounts.registered_at END,
                polar_user_id = excluded.polar_user_id, access_token = excluded.access_token, updated_at = excluded.updated_at
            """)
    }

    public func accessLinkAccounts() async throws -> [AccessLinkAccount] {
        try await rows("""
            SELECT user_key, polar_user_id, access_token, pp_ms(registered_at) AS registered_ms FROM accesslink_accounts ORDER BY user_key
            """).map(Self.accessLinkAccount(row:))
    }

    public func accessLinkAccount(userKey: String) async throws -> AccessLinkAccount? {
        try await rows("""
            SELECT user_key, polar_user_id, access_token, pp_ms(registered_at) AS registered_ms FROM accesslink_accounts
            WHERE user_key = \(userKey)
            """).first.map(Self.accessLinkAccount(row:))
    }

    public func removeAccessLinkAccount(userKey: String) async throws -> AccessLinkAccount? {
        // DELETE … RETURNING in one transaction with the states: of two removals at once, only one gets the row back.
        let logger = self.logger
        let removed = try await transaction { conn in
            let taken = try await conn.query("""
                DELETE FROM accesslink_accounts WHERE user_key = \(userKey)
                RETURNING user_key, polar_user_id, access_token, pp_ms(registered_at) AS registered_ms
                """, logger: logger).collect().map { $0.makeRandomAccess() }
            try await conn.perform("DELETE FROM accesslink_states WHERE user_key = \(userKey)", logger: logger)
            return taken
        }
        return try removed.first.map(Self.accessLinkAccount(row:))
    }

    static func accessLinkAccount(row r: PostgresRandomAccessRow) throws -> AccessLinkAccount {
        AccessLinkAccount(userKey: try r.value("user_key"), polarUserID: try r.value("polar_user_id"),
                          accessToken: try r.value("access_token"), registeredAt: try r.value("registered_ms"))
    }

    public func replaceAccessLinkToken(userKey: String, stored: String, replacement: String, now: Int64) async throws -> Bool {
        !(try await rows("""
            UPDATE accesslink_accounts SET access_token = \(replacement), updated_at = pp_ts(\(now))
            WHERE user_key = \(userKey) AND access_token = \(stored) RETURNING user_key
            """)).isEmpty
    }

    public func markAccessLinkRegistered(userKey: String, now: Int64) async throws {
        try await execute("UPDATE accesslink_accounts SET registered_at = pp_ts(\(now)) WHERE user_key = \(userKey)")
    }

    public func hasAccessLinkExercise(userKey: String, exerciseID: String) async throws -> Bool {
        !(try await rows("SELECT 1 FROM accesslink_exercises WHERE user_key = \(userKey) AND exercise_id = \(exerciseID)")).isEmpty
    }

    public func recordAccessLinkExercise(userKey: String, exerciseID: String, path: String, now: Int64) async throws {
        try await execute("""
            INSERT INTO accesslink_exercises(user_key, exercise_id, path, fetched_at) VALUES (\(userKey), \(exerciseID), \(path), pp_ts(\(now)))
            ON CONFLICT(user_key, exercise_id) DO UPDATE SET path = excluded.path, fetched_at = excluded.fetched_at
            """)
    }

    public func saveAccessLinkState(hash: String, userKey: String, expiresAt: Int64) async throws {
        try await execute("INSERT INTO accesslink_states(state_hash, user_key, expires_ms) VALUES (\(hash), \(userKey), \(expiresAt))")
    }

    public func takeAccessLinkState(hash: String, now: Int64) async throws -> String? {
        // DELETE … RETURNING: of two takes at once, only one deletes the row and gets it back.
        let taken = try await rows("DELETE FROM accesslink_states WHERE state_hash = \(hash) RETURNING user_key, expires_ms")
        try await execute("DELETE FROM accesslink_states WHERE expires_ms <= \(now)")
        guard let row = taken.first, try row.value("expires_ms") as Int64 > now else { return nil }
        return try row.value("user_key")
    }

    public func ping() async throws {
        try await execute("SELECT 1")
    }
}
