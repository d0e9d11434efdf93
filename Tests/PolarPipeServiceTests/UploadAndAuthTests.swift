import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import PolarPipeCore
import PolarPipeService
import PolarPipeTestSupport
import Testing

@Suite(.timeLimit(.minutes(5))) struct UploadAndAuthTests {
    @Test func uploadIsStoredInTheUsersInboxAndAByteIdenticalReuploadAnswersTheSameID() async throws {
        let f = try await ServiceFixture()
        defer { f.remove() }
        let body = ByteBuffer(bytes: try RealSamples.bytes(prefix: "axs192__sample_data"))
        try await f.app.test(.router) { client in
            let first = try await client.execute(uri: "/api/v1/exercises", method: .post, headers: bearer(f.alice), body: body)
            #expect(first.status == .created)
            let created = json(first.body)
            let id = try #require(created["id"] as? Int)
            #expect(created["layout"] as? String == "accesslink-v3")
            #expect(created["user_key"] as? String == "alice")
            #expect(first.headers[.location] == "/api/v1/uploads/\(id)")
            let inbox = f.inbox("alice")
            #expect(inbox.count == 1 && inbox[0].hasPrefix("upload-") && inbox[0].hasSuffix(".json"))
            #expect(try Data(contentsOf: f.tmp.workspace.inbox.appendingPathComponent("alice/" + inbox[0])) == Data(body.readableBytesView))

            let again = try await client.execute(uri: "/api/v1/exercises", method: .post, headers: bearer(f.alice), body: body)
            #expect(again.status == .ok)
            #expect(json(again.body)["id"] as? Int == id)
            #expect(json(again.body)["status"] as? String == "existing")
            #expect(f.inbox("alice") == inbox)

            // After a run the upload shows the ingested file id.
            let result = try await f.runPipeline()
            #expect(result.outcome.state == .success)
            let status = try await client.execute(uri: "/api/v1/uploads/\(id)", method: .get, headers: bearer(f.alice))
            #expect(status.status == .ok)
            #expect(json(status.body)["status"] as? String == "loaded")
            #expect(json(status.body)["file_id"] as? Int != nil)
            // A re-upload after the run is still recognised.
            let late = try await client.execute(uri: "/api/v1/exercises", method: .post, headers: bearer(f.alice), body: body)
            #expect(late.status == .ok && json(late.body)["id"] as? Int == id)
            #expect(f.inbox("alice").isEmpty)
        }
    }

    /// A crash after an upload's rename and before its row leaves the file in the inbox: the client's retry is
    /// recorded as new (201) and the file is there once.
    @Test func aRetryAfterACrashBetweenRenameAndRecordIsCreatedOnce() async throws {
        let f = try await ServiceFixture()
        defer { f.remove() }
        let bytes = try RealSamples.bytes(prefix: "axs192__sample_data")
        let sha = Hex.string(SHA256.hash(data: bytes))
        let left = f.tmp.workspace.inbox.appendingPathComponent("alice/upload-\(sha.prefix(16)).json")
        try FileManager.default.createDirectory(at: left.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: left)
        try await f.app.test(.router) { client in
            let retry = try await client.execute(uri: "/api/v1/exercises", method: .post, headers: bearer(f.alice), body: ByteBuffer(bytes: bytes))
            #expect(retry.status == .created)
            #expect(f.inbox("alice") == [left.lastPathComponent])
        }
    }

    @Test func theUploadCheckLimiterRunsAtMostItsWidthAndRefusesPastItsQueue() async throws {
        let limiter = AsyncLimiter(width: 2, queue: 1)
        let counter = ConcurrencyCounter()
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0 ..< 6 {
                group.addTask {
                    do {
                        try await limiter.run {
                            await counter.enter()
                            try? await Task.sleep(nanoseconds: 200_000_000)
                            await counter.leave()
                        }
                        return true
                    } catch {
                        return false
                    }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.filter { $0 }.count == 3 && results.filter { !$0 }.count == 3)  // 2 running + 1 waiting
        #expect(await counter.peak == 2)
    }

    @Test func missingMalformedOrWrongTokensAre401() async throws {
        let f = try await ServiceFixture()
        defer { f.remove() }
        let body = ByteBuffer(bytes: try RealSamples.bytes(prefix: "axs192__sample_data"))
        let wrongSecret = String(f.alice.dropLast(4)) + "0000"
        try await f.app.test(.router) { client in
            for headers: HTTPFields in [[:], bearer("nonsense"), bearer(wrongSecret), bearer("pp_000000000000_" + String(repeating: "0", count: 64)),
                                        [.authorization: "Basic \(Data("alice:wrong".utf8).base64EncodedString())"]] {
                let response = try await client.execute(uri: "/api/v1/exercises", method: .post, headers: headers, body: body)
                #expect(response.status == .unauthorized)
                #expect(json(response.body)["error"] as? String == "unauthorized")
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                let read = try await client.execute(uri: "/api/v1/users/alice/statistics", method: .get, headers: headers)
                #expect(read.status == .unauthorized)
            }
            #expect(f.inbox("alice").isEmpty)
            // A revoked token stops working.
            let id = try #require(Tokens.id(of: f.alice))
            #expect(try await f.store.deleteToken(id: id))
            let revoked = try await client.execute(uri: "/api/v1/me", method: .get, headers: bearer(f.alice))
            #expect(revoked.status == .unauthorized)
            let me = try await client.execute(uri: "/api/v1/me", method: .get, headers: bearer(f.admin))
            #expect(json(me.body)["user_key"] as? String == "root" && json(me.body)["admin"] as? Bool == true)
        }
    }

    @Test func aBodyThatIsNotAPolarFileIs400WithTheReasonAndLeavesNothingBehind() async throws {
        let f = try await ServiceFixture()
        defer { f.remove() }
        try await f.app.test(.router) { client in
            let response = try await client.execute(uri: "/api/v1/exercises", method: .post, headers: bearer(f.alice),
                                                    body: ByteBuffer(string: "{\"hello\": \"world\"}"))
            #expect(response.status == .badRequest)
            #expect(json(response.body)["error"] as? String == "unknown-layout")
            #expect((json(response.body)["message"] as? String)?.contains("not a Polar training file") == true)
        }
        #expect(f.inbox("alice").isEmpty)
    }

    @Test func aBodyDeclaredPastTheLimitIs413() async throws {
        let f = try await ServiceFixture { $0.maxUploadBytes = 10_000 }
        defer { f.remove() }
        let big = ByteBuffer(bytes: try RealSamples.bytes(prefix: "axs192__sample_data"))
        #expect(big.readableBytes > 10_000)
        try await f.app.test(.router) { client in
            let response = try await client.execute(uri: "/api/v1/exercises", method: .post, headers: bearer(f.alice), body: big)
            #expect(response.status == .contentTooLarge)
            #expect(json(response.body)["error"] as? String == "too-large")
        }
        #expect(f.inbox("alice").isEmpty)
        let metrics = try await f.environment.metrics.render(store: f.store)
        #expect(metrics.contains("polarpipe_upload_rejects_total{reason=\"too-large\"} 1"))
    }

    @Test func aUserTokenCanNeitherReadNorWriteAnotherUsersData() async throws {
        let f = try await ServiceFixture()
        defer { f.remove() }
        let session = ByteBuffer(bytes: try RealSamples.bytes(prefix: "axs192__sample_data"))
        try await f.app.test(.router) { client in
            let mine = try await client.execute(uri: "/api/v1/exercises", method: .post, headers: bearer(f.bob), body: session)
            #expect(mine.status == .created)
            let bobUpload = try #require(json(mine.body)["id"] as? Int)
            #expect(try await f.runPipeline().outcome.state == .success)
            let exerciseID = try #require(try await f.store.allExerciseIDs().first)

            // Writes into bob's inbox with alice's token.
            let write = try await client.execute(uri: "/api/v1/users/bob/exercises", method: .post, headers: bearer(f.alice), body: session)
            #expect(write.status == .forbidden)
            #expect(f.inbox("bob").isEmpty)
            // Reads of bob's data.
            for uri in ["/api/v1/users/bob/statistics", "/api/v1/users/bob/exercises", "/users/bob.html", "/exercises/\(exerciseID).html"] {
                let response = try await client.execute(uri: uri, method: .get, headers: bearer(f.alice))
                #expect(response.status == .forbidden, "\(uri)")
                #expect(!String(buffer: response.body).contains("RUNNING"), "\(uri)")
            }
            // Whether another user exists is not told either.
            for uri in ["/api/v1/users/nobody/statistics", "/users/nobody.html"] {
                #expect(try await client.execute(uri: uri, method: .get, headers: bearer(f.alice)).status == .forbidden, "\(uri)")
            }
            let upload = try await client.execute(uri: "/api/v1/uploads/\(bobUpload)", method: .get, headers: bearer(f.alice))
            #expect(upload.status == .notFound)
            // Global views need an admin.
            for uri in ["/api/v1/runs", "/api/v1/global/statistics", "/api/v1/runs/x"] {
                #expect(try await client.execute(uri: uri, method: .get, headers: bearer(f.alice)).status == .forbidden, "\(uri)")
            }
            // Bob and the admin do see it.
            let own = try await client.execute(uri: "/api/v1/users/bob/exercises", method: .get, headers: bearer(f.bob))
            #expect(own.status == .ok && jsonArray(own.body).count == 1)
            let byAdmin = try await client.execute(uri: "/api/v1/users/bob/exercises", method: .get, headers: bearer(f.admin))
            #expect(jsonArray(byAdmin.body).first?["sport"] as? String == "RUNNING")
            // An admin may upload for another user.
            let other = ByteBuffer(bytes: try RealSamples.bytes(prefix: "axs192__other_data_sample"))
            let adminWrite = try await client.execute(uri: "/api/v1/users/alice/exercises", method: .post, headers: bearer(f.admin), body: other)
            #expect(adminWrite.status == .created && json(adminWrite.body)["user_key"] as? String == "alice")
            let unknown = try await client.execute(uri: "/api/v1/users/nobody/exercises", method: .post, headers: bearer(f.admin), body: other)
            #expect(unknown.status == .notFound)
        }
    }
}

/// The most bodies seen running at once.
actor ConcurrencyCounter {
    private var now = 0
    private(set) var peak = 0
    func enter() {
        now += 1
        peak = max(peak, now)
    }
    func leave() { now -= 1 }
}
