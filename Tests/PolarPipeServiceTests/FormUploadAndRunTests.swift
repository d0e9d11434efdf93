import Crypto
import Foundation
import PolarPipeCore
@testable import PolarPipeService
import PolarPipeTestSupport
import ServiceLifecycle
import Testing

/// Uploads from an HTML form (`multipart/form-data`, sent by the real `curl -F`), runs started on request
/// (`POST /api/v1/runs`, `?run=now`), and the run history as objects with the run's import report — against the
/// service on a real loopback port.
@Suite(.serialized, .timeLimit(.minutes(5))) struct FormUploadAndRunTests {
    /// A form body: a text field, the file, another text field.
    static func form(boundary: String, file: [UInt8], name: String = "run.json") -> [UInt8] {
        Array("preamble to ignore\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--\(boundary)\r\n".utf8)
            + Array("Content-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\nContent-Type: application/json\r\n\r\n".utf8)
            + file + Array("\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"more\"\r\n\r\nx\r\n--\(boundary)--\r\n".utf8)
    }

    static func read(_ body: [UInt8], boundary: String, chunk: Int) throws -> (name: String?, bytes: [UInt8]) {
        var reader = MultipartFile(boundary: boundary)
        var out: [UInt8] = []
        var i = 0
        while i < body.count {
            try reader.feed(body[i ..< min(body.count, i + chunk)]) { out += $0 }
            i += chunk
        }
        try reader.finish()
        return (reader.fileName, out)
    }

    @Test(arguments: [1, 2, 3, 5, 17, 64, 4096, 1 << 20])
    func aFormsFileComesOutByteForByteWhateverTheChunks(_ chunk: Int) throws {
        let boundary = "----pp7MA4YWxkTrZu0gW"
        // Content that imitates a delimiter without being one, and ends in CR LF of its own.
        let file = Array("{\"a\": \"\r\n--\(boundary.dropLast())x\r\n-\", \"b\": [1, 2]}\r\n".utf8)
        let (name, bytes) = try Self.read(Self.form(boundary: boundary, file: file), boundary: boundary, chunk: chunk)
        #expect(name == "run.json")
        #expect(bytes == file)
    }

    @Test(arguments: [1, 3, 1000]) func aPartWithoutHeadersIsPassedOver(_ chunk: Int) throws {
        let body = Array("--b\r\n\r\nno headers\r\n--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.json\"\r\n\r\n{}\r\n--b--".utf8)
        let (name, bytes) = try Self.read(body, boundary: "b", chunk: chunk)
        #expect(name == "a.json" && bytes == Array("{}".utf8))
    }

    @Test func aFormWithoutAFileOrCutShortIsRefused() throws {
        let boundary = "b0undary"
        let noFile = Array("--b0undary\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n--b0undary--\r\n".utf8)
        #expect(throws: MultipartFile.Failure.noFile) { try Self.read(noFile, boundary: boundary, chunk: 7) }
        let whole = Self.form(boundary: boundary, file: [UInt8](repeating: 0x20, count: 400))
        let cut = Array(whole.prefix(whole.count - 200))  // within the file's bytes
        #expect(throws: MultipartFile.Failure.malformed("the body ends inside the file")) { try Self.read(cut, boundary: boundary, chunk: 7) }
        let endless = Array("--b0undary\r\nX-Long: ".utf8) + [UInt8](repeating: 0x61, count: MultipartFile.maxHeaderBytes + 10)
        #expect(throws: MultipartFile.Failure.self) { try Self.read(endless, boundary: boundary, chunk: 1000) }
    }

    @Test(arguments: [
        ("multipart/form-data; boundary=----abc", "----abc"),
        ("Multipart/Form-Data;boundary=\"q r\"", nil),  // a space is no boundary character here
        ("multipart/form-data; charset=utf-8; boundary=\"x-1\"", "x-1"),
        ("application/json", nil),
        ("multipart/form-data", nil),
        ("multipart/form-data; boundary=" + String(repeating: "b", count: 71), nil),
    ] as [(String, String?)])
    func theBoundaryIsReadFromTheContentType(_ contentType: String, _ expected: String?) {
        #expect(MultipartFile.boundary(contentType: contentType) == expected)
    }

    /// Runs `curl` off the cooperative threads (the server in this process needs them) and returns its output.
    static func curl(_ arguments: [String]) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    let result = try PolarPipeExecutable.run(executable: URL(fileURLWithPath: "/usr/bin/curl"), ["-s"] + arguments)
                    continuation.resume(returning: result.output)
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// curl's answer: the JSON body, then the status (`-w`).
    static func curlJSON(_ arguments: [String]) async throws -> (status: Int, body: [String: Any]) {
        let output = try await curl(["-w", "\n%{http_code}"] + arguments)
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
        let body = lines.dropLast().joined(separator: "\n")
        let object = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        return (Int(lines.last ?? "") ?? 0, object)
    }

    /// The run once it has ended and released its lease (a run records its end, then releases the lease).
    static func waitForEnd(_ f: ServiceFixture, _ runID: String) async throws -> RunRecord {
        let deadline = Date().addingTimeInterval(240)  // a loaded machine runs slowly
        while Date() < deadline {
            if let run = try await f.store.run(runID), run.state != .running, try await f.store.currentLease()?.runID != runID { return run }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        throw CancellationError()
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/curl")))
    func curlFormUploadsAreStoredByteForByteAndRunsStartOnRequest() async throws {
        // The daily run twelve hours away (the fixture's), so that it never fires inside the test.
        let f = try await ServiceFixture()
        defer { f.remove() }
        let hour = try #require(f.environment.configuration.scheduleCron.split(separator: " ").dropFirst().first.flatMap { Int($0) })
        let sample = try RealSamples.file(prefix: "axs192__sample_data")
        let other = try RealSamples.file(prefix: "axs192__other_data_sample")
        let (alice, admin) = (f.alice, f.admin)
        try await withServices({ try PolarPipeServer.services(f.environment, host: "127.0.0.1", port: 0, onRunning: $0) }) { port, _ in
            let base = "http://127.0.0.1:\(port)/api/v1"
            // A form upload waits for the next scheduled run.
            let first = try await Self.curlJSON(["-H", "Authorization: Bearer \(alice)", "-F", "note=from a form",
                                                 "-F", "file=@\(sample.path)", base + "/exercises"])
            #expect(first.status == 201 && first.body["layout"] as? String == "accesslink-v3", "\(first)")
            #expect((first.body["processing"] as? String)?.hasSuffix(String(format: "T%02d:00:00.000Z", hour)) == true, "\(first.body)")
            let original = try Data(contentsOf: sample)
            #expect(first.body["sha256"] as? String == Hex.string(SHA256.hash(data: original)))
            #expect(first.body["bytes"] as? Int == original.count)

            // ?run=now starts a run that loads it and the new file.
            let second = try await Self.curlJSON(["-H", "Authorization: Bearer \(alice)", "-F", "file=@\(other.path)", base + "/exercises?run=now"])
            #expect(second.status == 201 && second.body["processing"] as? String == "now", "\(second)")
            let runID = try #require(second.body["run_id"] as? String)
            #expect(try await Self.waitForEnd(f, runID).state == .success)
            #expect(try await f.store.files(runID: runID).map(\.status) == [.loaded, .loaded])

            // POST /api/v1/runs: admin only, 202 with the run id; 409 while another live run holds the lease.
            let refused = try await Self.curlJSON(["-X", "POST", "-H", "Authorization: Bearer \(alice)", base + "/runs"])
            #expect(refused.status == 403)
            let started = try await Self.curlJSON(["-X", "POST", "-H", "Authorization: Bearer \(admin)", base + "/runs"])
            #expect(started.status == 202 && started.body["state"] as? String == "running", "\(started)")
            let startedID = try #require(started.body["run_id"] as? String)
            #expect(try await Self.waitForEnd(f, startedID).state == .success)
            // Another live process (pid 1) takes the lease once the run has released it (just after it ended).
            var holder: LeaseHolder? = nil
            let deadline = Date().addingTimeInterval(60)
            repeat {
                holder = try await f.store.acquireLease(runID: "elsewhere", owner: LeaseOwner(pid: 1, host: ProcessInfo.processInfo.hostName),
                                                        now: Clock.nowMillis(), ttlMillis: 60_000, isStale: { _ in false })
                if holder != nil { try await Task.sleep(nanoseconds: 20_000_000) }
            } while holder != nil && Date() < deadline
            #expect(holder == nil)
            let busy = try await Self.curlJSON(["-X", "POST", "-H", "Authorization: Bearer \(admin)", base + "/runs"])
            #expect(busy.status == 409 && busy.body["error"] as? String == "run-active", "\(busy)")
            try await f.store.releaseLease(runID: "elsewhere")

            // The history: summaries are objects; one run has its import report.
            let list = try await Self.curl(["-H", "Authorization: Bearer \(admin)", base + "/runs"])
            let runs = (try? JSONSerialization.jsonObject(with: Data(list.utf8))) as? [[String: Any]] ?? []
            let mine = try #require(runs.first { $0["run_id"] as? String == runID })
            let summary = try #require(mine["summary"] as? [String: Any], "\(mine)")
            #expect(summary["validate_json_files.valid"] as? Int == 2)
            let one = try await Self.curlJSON(["-H", "Authorization: Bearer \(admin)", base + "/runs/\(runID)"])
            let report = try #require(one.body["import"] as? [String: Any])
            let users = report["users"] as? [[String: Any]] ?? []
            #expect(users.map { $0["user_key"] as? String } == ["alice"] && users.first?["loaded"] as? Int == 2)
            #expect((report["total"] as? [String: Any])?["quarantined_files"] as? [Any] != nil)
        }
        #expect(f.inbox("alice").isEmpty)
    }
}
