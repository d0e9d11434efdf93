import Foundation
import Hummingbird
import HummingbirdTesting
import PolarPipeCore
import PolarPipeService
import PolarPipeTestSupport
import Testing

@Suite(.timeLimit(.minutes(5))) struct ReadAPIAndDashboardTests {
    /// The real samples bundled with the tests.
    static func sampleFiles() throws -> [URL] { try RealSamples.files() }

    /// Bodies of other formats that hold no session: a TCX without an activity, a GPX without a track point, a Polar
    /// Flow CSV with a date that is not DD.MM.YYYY, and a FIT file cut
    /// short, each with the reason it is refused.
    static let otherFormats: [(name: String, body: [UInt8], error: String)] = [
        ("tcx", Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<TrainingCenterDatabase></TrainingCenterDatabase>\n".utf8), "tcx-no-activity"),
        ("gpx", Array("<?xml version=\"1.0\"?>\n<gpx version=\"1.1\"><trk><trkseg></trkseg></trk></gpx>\n".utf8), "gpx-no-track"),
        ("csv", Array("Name,Sport,Date,Start time,Duration\nAnn,RUNNING,24-06-2024,18:57:07,00:30:00\n".utf8), "bad-timestamp"),
        ("fit", [14, 0x10, 0x5C, 0x08, 0, 0, 0, 0, 0x2E, 0x46, 0x49, 0x54, 0, 0], "fit-truncated"),
    ]
    /// A FIT header with no data and no CRC: FIT is read now, and this body is cut short.
    static let truncatedFIT: [UInt8] = [14, 0x10, 0x5C, 0x08, 0, 0, 0, 0, 0x2E, 0x46, 0x49, 0x54, 0, 0]

    /// Every real sample uploaded over HTTP gets the right answer: the JSON sessions 201 with their layout (and one
    /// run loads them all); TCX, GPX, CSV and FIT bodies that hold no session 400 with their reason.
    @Test func everyRealSampleGetsTheRightAnswerAndTheSessionsLoad() async throws {
        let f = try await ServiceFixture()
        defer { f.remove() }
        let samples = try Self.sampleFiles()
        let sessions = samples.filter { $0.pathExtension == "json" }
        #expect(sessions.count == 6)
        try await f.app.test(.router) { client in
            for url in samples {
                let response = try await client.execute(uri: "/api/v1/exercises", method: .post, headers: bearer(f.alice),
                                                        body: ByteBuffer(bytes: try Data(contentsOf: url)))
                #expect(response.status == .created, "\(url.lastPathComponent)")
                let expected = url.lastPathComponent.hasPrefix("axs192") ? "accesslink-v3" : "flow-export-v2"
                #expect(json(response.body)["layout"] as? String == expected, "\(url.lastPathComponent)")
            }
            for other in Self.otherFormats {
                let response = try await client.execute(uri: "/api/v1/exercises", method: .post, headers: bearer(f.alice),
                                                        body: ByteBuffer(bytes: other.body))
                #expect(response.status == .badRequest, "\(other.name)")
                #expect(json(response.body)["error"] as? String == other.error, "\(other.name): \(json(response.body))")
            }
            let fit = try await client.execute(uri: "/api/v1/exercises", method: .post, headers: bearer(f.alice),
                                               body: ByteBuffer(bytes: Self.truncatedFIT))
            #expect(fit.status == .badRequest)
            #expect(json(fit.body)["error"] as? String == "fit-truncated")
        }
        #expect(f.inbox("alice").count == 6)
        let result = try await f.runPipeline()
        #expect(result.outcome.state == .success)
        let files = try await f.store.files(runID: result.runID)
        #expect(files.count == 6 && files.allSatisfy { $0.status == .loaded })
    }

    /// The hostile corpus over HTTP: each file is refused with the reason the pipeline would quarantine it for.
    @Test func theHostileCorpusIsRefusedWithTheRightReasons() async throws {
        let f = try await ServiceFixture { $0.limits.maxFileBytes = 3 << 20 }
        defer { f.remove() }
        let old = OldLayoutFixtures.session(exercises: [OldLayoutFixtures.runningExercise], extra: OldLayoutFixtures.snapshot)
        let corpus = try HostileCorpus.files(old: old)
        try await f.app.test(.router) { client in
            for item in corpus {
                let response = try await client.execute(uri: "/api/v1/exercises", method: .post, headers: bearer(f.alice),
                                                        body: ByteBuffer(bytes: item.data))
                #expect(response.status == .badRequest, "\(item.name)")
                #expect(json(response.body)["error"] as? String == item.reason, "\(item.name)")
            }
            // A valid export zip is accepted as one upload.
            let zip = try HostileCorpus.zip([("training-session-2023-06-17-1-abc.json", Data(old.utf8)),
                                             ("account-data-1-x.json", Data("{}".utf8))])
            let accepted = try await client.execute(uri: "/api/v1/exercises", method: .post, headers: bearer(f.alice), body: ByteBuffer(bytes: zip))
            #expect(accepted.status == .created && json(accepted.body)["layout"] as? String == "zip")
            let noSessions = try HostileCorpus.zip([("account-data-1-x.json", Data("{}".utf8))])
            let refused = try await client.execute(uri: "/api/v1/exercises", method: .post, headers: bearer(f.alice), body: ByteBuffer(bytes: noSessions))
            #expect(refused.status == .badRequest && json(refused.body)["error"] as? String == "no-sessions")
        }
        #expect(f.inbox("alice").count == 1 && f.inbox("alice")[0].hasSuffix(".zip"))
        let metrics = try await f.environment.metrics.render(store: f.store)
        #expect(metrics.contains("polarpipe_upload_rejects_total{reason=\"zip-bomb\"} 1"))
        #expect(metrics.contains("polarpipe_uploads_total{result=\"created\"} 1"))
    }

    @Test func readAPIAnswersWithTheColumnNamesOfTheCLIsJSON() async throws {
        let f = try await ServiceFixture()
        defer { f.remove() }
        try await f.app.test(.router) { client in
            let upload = try await client.execute(uri: "/api/v1/exercises", method: .post, headers: bearer(f.alice),
                                                  body: ByteBuffer(bytes: try RealSamples.bytes(prefix: "axs192__sample_data")))
            #expect(upload.status == .created)
            let noStats = try await client.execute(uri: "/api/v1/users/alice/statistics", method: .get, headers: bearer(f.alice))
            #expect(noStats.status == .notFound && json(noStats.body)["error"] as? String == "no-statistics")
            let run = try await f.runPipeline()

            let runs = try await client.execute(uri: "/api/v1/runs", method: .get, headers: bearer(f.admin))
            #expect(runs.status == .ok)
            #expect(jsonArray(runs.body).map { $0["run_id"] as? String } == [run.runID])
            #expect(jsonArray(runs.body).first?["state"] as? String == "success")
            let one = try await client.execute(uri: "/api/v1/runs/\(run.runID)", method: .get, headers: bearer(f.admin))
            let tasks = json(one.body)["tasks"] as? [[String: Any]] ?? []
            #expect(Set(tasks.compactMap { $0["task_id"] as? String }).count == 10)
            #expect(try await client.execute(uri: "/api/v1/runs/nope", method: .get, headers: bearer(f.admin)).status == .notFound)

            let stats = try await client.execute(uri: "/api/v1/users/alice/statistics", method: .get, headers: bearer(f.alice))
            #expect(stats.status == .ok)
            let s = json(stats.body)["statistics"] as? [String: Any] ?? [:]
            #expect(s["total_exercises"] as? Int == 1)
            #expect(s["most_common_sport"] as? String == "RUNNING")
            let exercises = try await client.execute(uri: "/api/v1/users/alice/exercises", method: .get, headers: bearer(f.alice))
            let e = try #require(jsonArray(exercises.body).first)
            #expect(e["start_time_utc"] as? String == "2026-02-22T07:50:17.000Z")
            #expect(e["hr_samples"] as? Int == 8240 && e["hr_min"] as? Double == 87 && e["hr_max"] as? Double == 170)
            let global = try await client.execute(uri: "/api/v1/global/statistics", method: .get, headers: bearer(f.admin))
            let g = json(global.body)["statistics"] as? [String: Any] ?? [:]
            #expect(g["total_exercises"] as? Int == 1 && g["total_hr_samples"] as? Int == 8240)
            #expect(try await client.execute(uri: "/api/v1/users/nobody/statistics", method: .get, headers: bearer(f.admin)).status == .notFound)
        }
    }

    @Test func dashboardsAreRenderedFromTheDatabaseBehindTheTokens() async throws {
        let f = try await ServiceFixture()
        defer { f.remove() }
        try f.tmp.drop(Data(try RealSamples.bytes(prefix: "axs192__sample_data")), at: "alice/run.json")
        _ = try await f.runPipeline()
        let exerciseID = try #require(try await f.store.allExerciseIDs().first)
        try await f.app.test(.router) { client in
            let anonymous = try await client.execute(uri: "/", method: .get)
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.headers[.wwwAuthenticate]?.hasPrefix("Basic") == true)
            let index = try await client.execute(uri: "/", method: .get, headers: bearer(f.admin))
            #expect(index.status == .ok && index.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(String(buffer: index.body).contains("users/alice.html"))
            let redirect = try await client.execute(uri: "/", method: .get, headers: bearer(f.alice))
            #expect(redirect.status == .seeOther && redirect.headers[.location] == "/users/alice.html")
            // A browser: HTTP Basic with the token as the password.
            let basic: HTTPFields = [.authorization: "Basic \(Data("alice:\(f.alice)".utf8).base64EncodedString())"]
            let page = try await client.execute(uri: "/users/alice.html", method: .get, headers: basic)
            #expect(page.status == .ok)
            #expect(String(buffer: page.body).contains("polarpipe — alice"))
            #expect(String(buffer: page.body).contains("../exercises/\(exerciseID).html"))
            let exercise = try await client.execute(uri: "/exercises/\(exerciseID).html", method: .get, headers: basic)
            #expect(exercise.status == .ok && String(buffer: exercise.body).contains("<title>Running — "))
            #expect(try await client.execute(uri: "/exercises/999999.html", method: .get, headers: basic).status == .notFound)
            #expect(try await client.execute(uri: "/users/nobody.html", method: .get, headers: bearer(f.admin)).status == .notFound)
        }
    }

    @Test func healthMetricsAndOpenAPI() async throws {
        let f = try await ServiceFixture()
        defer { f.remove() }
        try f.tmp.drop(Data(try RealSamples.bytes(prefix: "axs192__sample_data")), at: "alice/run.json")
        _ = try await f.runPipeline()
        try await f.app.test(.router) { client in
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok && json(health.body)["database"] as? String == "reachable")
            _ = try await client.execute(uri: "/api/v1/me", method: .get, headers: bearer(f.alice))
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            let text = String(buffer: metrics.body)
            #expect(metrics.status == .ok)
            #expect(text.contains("polarpipe_runs{state=\"success\"} 1.0"))
            #expect(text.contains("polarpipe_files{status=\"loaded\"} 1.0"))
            #expect(text.contains("polarpipe_samples_loaded{kind=\"heart_rate\"} 8240.0"))
            #expect(text.contains("polarpipe_task_duration_seconds{task_id=\"load_heart_rate_samples\"}"))
            #expect(text.contains("polarpipe_uploads_total{result=\"created\"} 0"))
            #expect(text.contains("polarpipe_http_request_duration_seconds_count{route=\"/api/v1/me\",method=\"GET\",status=\"200\"} 1"))
            let openapi = try await client.execute(uri: "/openapi.json", method: .get)
            let paths = json(openapi.body)["paths"] as? [String: Any] ?? [:]
            #expect(paths.keys.contains("/api/v1/exercises") && paths.keys.contains("/api/v1/users/{key}/statistics"))
        }
    }
}
