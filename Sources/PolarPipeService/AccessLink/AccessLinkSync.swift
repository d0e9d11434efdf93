import Foundation
import PolarPipeCore

/// Device sync: for every user with an AccessLink account, registers the user once (`POST /v3/users`; 409 means
/// already registered) and pulls new exercises into `inbox/<user>/accesslink-<id>.json` (written as `.part`,
/// then renamed), as AccessLink JSON that `AccessLinkDecoder` reads, so they go through the same DAG.
///
/// Two flows (`accesslink.flow`):
/// * `exercises` (default): `GET /v3/exercises?samples=true&zones=true&route=true`; an element that is only an id
///   is fetched with `GET /v3/exercises/{id}?samples=true&zones=true&route=true`. Exercises already written
///   (`accesslink_exercises`) are skipped, since this list repeats the last 30 days.
/// * `transactions`: create a transaction (204 = nothing new), list it, fetch each exercise, its samples and (when
///   it has a route) its GPX route, write them all, then commit. When any fetch fails nothing is committed, so
///   AccessLink offers the same exercises again next time.
///
/// Tokens are read through `AccessLinkAccounts` (decrypted; one stored in plaintext by an older polarpipe is
/// encrypted on this read when a key is set). The requests of one sync share one `AccessLinkRateLimit`: when Polar's
/// rate limit is used up the sync stops, and the users not reached wait for the next sync. After each user a
/// progress line is logged (and given to `progress`).
public struct AccessLinkSync: Sendable {
    public let environment: ServiceEnvironment
    /// Retries and back-off of the client (tests shorten them).
    public var retries = 3
    public var backoffSeconds: Double = 1
    public var maxRetryAfterSeconds: Double = 120
    /// Called after each user with a line such as `user 2 of 5 (alice): 3 written, 0 already had`.
    public var progress: (@Sendable (String) -> Void)?
    let rateLimit = AccessLinkRateLimit()

    public init(environment: ServiceEnvironment) {
        self.environment = environment
    }

    /// What one sync did.
    public struct Report: Sendable, Equatable {
        public var users = 0
        /// Exercise files written into inboxes.
        public var written = 0
        /// Exercises already written earlier.
        public var skipped = 0
        /// Transactions committed.
        public var committed = 0
        /// One message per user whose sync failed (`user: reason`).
        public var errors: [String] = []
        /// Users not synced because the rate limit was used up.
        public var notReached = 0
    }

    /// Syncs every account; a failing user does not stop the others.
    public func syncAll() async -> Report {
        var report = Report()
        let accounts: [AccessLinkAccounts.Opened]
        do {
            accounts = try await AccessLinkAccounts(store: environment.store, configuration: environment.configuration).accounts(now: Clock.nowMillis())
        } catch let error as AccessLinkTokenError {
            report.errors.append("accesslink: \(error)")
            return report
        } catch {
            report.errors.append("database: \(error)")
            return report
        }
        for (index, opened) in accounts.enumerated() {
            if Task.isCancelled { break }
            let account = opened.account
            report.users += 1
            let before = (report.written, report.skipped)
            do {
                if let failure = opened.failure { throw failure }
                try await sync(account, into: &report)
            } catch AccessLinkError.rateLimitReached(let seconds) {
                report.notReached = accounts.count - index
                report.errors.append("\(AccessLinkError.rateLimitReached(resetSeconds: seconds)); \(report.notReached) of \(accounts.count) users wait for the next sync")
                environment.logger.warning("accesslink rate limit used up: the sync stops", metadata: ["reset_seconds": "\(seconds)"])
                break
            } catch {
                environment.logger.warning("accesslink sync of a user failed", metadata: ["user": "\(account.userKey)", "error": "\(error)"])
                report.errors.append("\(account.userKey): \(error)")
            }
            let line = "user \(index + 1) of \(accounts.count) (\(account.userKey)): \(report.written - before.0) written, "
                + "\(report.skipped - before.1) already had" + (rateLimit.usage.map { "; rate limit: \($0)" } ?? "")
            environment.logger.info("accesslink sync progress", metadata: ["progress": "\(line)"])
            progress?(line)
        }
        environment.metrics.accessLinkExercises(report.written)
        return report
    }

    func client(_ account: AccessLinkAccount) -> AccessLinkClient {
        var client = AccessLinkClient(baseURL: environment.configuration.accessLinkBaseURL, accessToken: account.accessToken)
        client.retries = retries
        client.backoffSeconds = backoffSeconds
        client.maxRetryAfterSeconds = maxRetryAfterSeconds
        client.rateLimit = rateLimit
        return client
    }

    func sync(_ account: AccessLinkAccount, into report: inout Report) async throws {
        let client = client(account)
        if account.registeredAt == nil {
            _ = try await client.register(memberID: account.userKey)
            try await environment.store.markAccessLinkRegistered(userKey: account.userKey, now: Clock.nowMillis())
        }
        if environment.configuration.accessLinkFlow == "transactions" {
            try await syncTransaction(account, client: client, into: &report)
        } else {
            try await syncExercises(account, client: client, into: &report)
        }
    }

    // MARK: Non-transactional

    func syncExercises(_ account: AccessLinkAccount, client: AccessLinkClient, into report: inout Report) async throws {
        let query = "samples=true&zones=true&route=true"
        let listPath = "/v3/exercises?\(query)"
        let reply = try await client.expect("GET", listPath, [200, 204])
        guard reply.status == 200 else { return }
        guard let list = try? JSONSerialization.jsonObject(with: reply.body) as? [Any] else {
            throw AccessLinkError.invalidResponse(path: listPath)
        }
        for element in list {
            let object = element as? [String: Any]
            guard let id = Self.exerciseID(object?["id"] ?? element) else { throw AccessLinkError.invalidResponse(path: listPath) }
            if try await environment.store.hasAccessLinkExercise(userKey: account.userKey, exerciseID: id) {
                report.skipped += 1
                continue
            }
            let body: Data
            if let object, object["duration"] != nil {
                body = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            } else {
                let path = "/v3/exercises/\(Self.pathComponent(id))?\(query)"
                body = try await client.expect("GET", path, [200]).body
                guard (try? JSONSerialization.jsonObject(with: body)) is [String: Any] else { throw AccessLinkError.invalidResponse(path: path) }
            }
            try await write(body, exerciseID: id, account: account)
            report.written += 1
        }
    }

    // MARK: Transactional

    func syncTransaction(_ account: AccessLinkAccount, client: AccessLinkClient, into report: inout Report) async throws {
        guard let transaction = try await client.createTransaction(polarUserID: account.polarUserID) else { return }
        let links = try await client.transactionExercises(polarUserID: account.polarUserID, transactionID: transaction)
        // Fetch everything first: a failure here throws before anything is written or committed.
        var fetched: [(id: String, body: Data)] = []
        for link in links {
            let path = AccessLinkClient.path(of: link)
            var exercise = try AccessLinkClient.object(try await client.expect("GET", path, [200]), path)
            guard let id = Self.exerciseID(exercise["id"] ?? path.split(separator: "/").last.map(String.init) as Any) else {
                throw AccessLinkError.invalidResponse(path: path)
            }
            if try await environment.store.hasAccessLinkExercise(userKey: account.userKey, exerciseID: id) {
                report.skipped += 1
                continue
            }
            let samplesReply = try await client.expect("GET", path + "/samples", [200, 204, 404])
            var samples: [[String: Any]] = []
            if samplesReply.status == 200 {
                for sampleLink in (try AccessLinkClient.object(samplesReply, path + "/samples")["samples"] as? [String]) ?? [] {
                    let samplePath = AccessLinkClient.path(of: sampleLink)
                    samples.append(try AccessLinkClient.object(try await client.expect("GET", samplePath, [200]), samplePath))
                }
            }
            exercise["samples"] = samples
            if (exercise["has-route"] as? Bool) == true || (exercise["has_route"] as? Bool) == true {
                let gpx = try await client.expect("GET", path + "/gpx", [200, 204, 404])
                if gpx.status == 200 {
                    let start = (exercise["start-time"] as? String).flatMap(PolarTime.localMillis)
                    let offset = (exercise["start-time-utc-offset"] as? NSNumber)?.int64Value ?? 0
                    exercise["route"] = GPXRoute.points(gpx.body, startUTCMillis: start.map { $0 - offset * 60_000 })
                }
            }
            fetched.append((id, try JSONSerialization.data(withJSONObject: exercise, options: [.sortedKeys])))
        }
        for item in fetched {
            try await write(item.body, exerciseID: item.id, account: account)
            report.written += 1
        }
        try await client.commit(polarUserID: account.polarUserID, transactionID: transaction)
        report.committed += 1
    }

    // MARK: Writing

    /// Writes one exercise into the user's inbox (`.part`, then renamed) and remembers it.
    func write(_ body: Data, exerciseID: String, account: AccessLinkAccount) async throws {
        let folder = environment.workspace.inbox.appendingPathComponent(account.userKey, isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let name = "accesslink-\(Workspace.safeName(exerciseID)).json"
        let part = folder.appendingPathComponent(name + ".part")
        try body.write(to: part)
        let final = folder.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: final)
        try FileManager.default.moveItem(at: part, to: final)
        try await environment.store.recordAccessLinkExercise(userKey: account.userKey, exerciseID: exerciseID,
                                                             path: environment.workspace.relative(final), now: Clock.nowMillis())
    }

    static func exerciseID(_ value: Any) -> String? {
        if let s = value as? String, !s.isEmpty { return s }
        if let n = value as? NSNumber { return n.stringValue }
        return nil
    }

    static func pathComponent(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? id
    }
}

/// The track points of a GPX document as AccessLink route points `{latitude, longitude, time, altitude}`, `time`
/// being the ISO duration from the exercise's start (or from the first point when the start is unknown). Read with
/// the GPX decoder's XML parser (`GPXTrack`); points without a time are left out, as is a document that is no GPX.
enum GPXRoute {
    static func points(_ data: Data, startUTCMillis: Int64?) -> [[String: Any]] {
        var result: [[String: Any]] = []
        var start = startUTCMillis
        for point in GPXTrack.points([UInt8](data)) ?? [] {
            guard let time = point.utcMillis else { continue }
            if start == nil { start = time }
            var entry: [String: Any] = ["latitude": point.latitude, "longitude": point.longitude,
                                        "time": String(format: "PT%.3fS", Double(time - (start ?? time)) / 1000)]
            if let ele = point.elevation { entry["altitude"] = ele }
            result.append(entry)
        }
        return result
    }
}
