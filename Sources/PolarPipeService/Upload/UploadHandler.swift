import Crypto
import Foundation
import Hummingbird
import PolarPipeCore

/// `POST /api/v1/exercises` (and `/api/v1/users/{key}/exercises`): one Polar file or export zip per request, as the
/// raw body or as the file of a `multipart/form-data` body (an HTML form, `curl -F file=@run.json`).
///
/// The body (a form's file part: `MultipartFile`) streams to `inbox/<user>/upload-<uuid>.part` (never claimed by a run: the inbox scanner skips `.part`)
/// while its size is checked against `service.max_upload_bytes` and its SHA-256 computed; nothing is buffered whole.
/// The file is then checked with the pipeline's own decoders (`UploadCheck`, at most one check per core at once and a
/// bounded queue of 1 024: past it the answer is 503), renamed to `upload-<sha256 prefix>.json|.zip`, where the next run
/// claims it, and then recorded in `uploads` (one row per user and SHA-256). Renamed first: a crash in between leaves
/// the file in the inbox, where it is loaded, and the client's retry records it; never an orphan row without a file.
///
/// Answers: 201 new upload; 200 the same bytes were uploaded before by this user (the existing id, nothing
/// written); 400 not a Polar file (with the reason code the pipeline would quarantine it for); 411/413 size;
/// 401/403 token. The `id` answered is the upload's id (`GET /api/v1/uploads/{id}`), which shows the
/// `ingested_files` id once a run has loaded the file. The answer's `processing` says when the file is processed:
/// `now` when `?run=now` started a run for it, else the time (UTC) of the next scheduled run.
struct UploadHandler: Sendable {
    let environment: ServiceEnvironment

    /// Upload checks decode whole files: one per core at a time. A waiting upload's body is already on disk (it costs
    /// an open `.part` file, not its bytes in memory), so up to 1 024 may wait before the answer is 503.
    static let checks = AsyncLimiter(width: ProcessInfo.processInfo.activeProcessorCount, queue: 1024)

    /// The JSON answer about one upload.
    struct UploadJSON: Encodable {
        var id: Int64, user_key: String, sha256: String, bytes: Int64, layout: String, path: String, created_at: String
        var file_id: Int64?
        var status: String
        /// `now` (a run was started for it) or the next scheduled run (UTC); absent once loaded.
        var processing: String?
        var run_id: String?
    }

    func upload(_ request: Request, userKey: String) async throws -> Response {
        let env = environment
        let limit = env.configuration.maxUploadBytes
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            env.metrics.uploadRejected("too-large")
            throw APIError(.contentTooLarge, "too-large", "the body has \(declared) bytes; the limit is \(limit)")
        }
        guard UserKey.isValid(userKey) else { throw APIError.notFound("no user \(userKey)") }
        let folder = env.workspace.inbox.appendingPathComponent(userKey, isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let part = folder.appendingPathComponent("upload-\(UUID().uuidString.lowercased()).part")
        guard FileManager.default.createFile(atPath: part.path, contents: nil) else {
            throw APIError(.internalServerError, "storage", "the upload could not be stored")
        }
        var keepPart = false
        defer { if !keepPart { try? FileManager.default.removeItem(at: part) } }

        // Stream the body (or the form's file) to the .part file, hashing and counting as it comes.
        var hasher = SHA256()
        var bytes = 0
        var form = request.headers[.contentType].flatMap(MultipartFile.boundary).map(MultipartFile.init)
        do {
            let handle = try FileHandle(forWritingTo: part)
            defer { try? handle.close() }
            var received = 0
            for try await buffer in request.body {
                received += buffer.readableBytes
                if received > limit {
                    env.metrics.uploadRejected("too-large")
                    throw APIError(.contentTooLarge, "too-large", "the body is larger than the limit of \(limit) bytes")
                }
                try buffer.withUnsafeReadableBytes { raw in
                    guard form != nil else {
                        hasher.update(bufferPointer: raw)
                        try handle.write(contentsOf: Data(raw))
                        bytes += raw.count
                        return
                    }
                    try form?.feed(raw) { content in
                        hasher.update(data: content)
                        try handle.write(contentsOf: Data(content))
                        bytes += content.count
                    }
                }
            }
            try form?.finish()
        } catch let failure as MultipartFile.Failure {
            env.metrics.uploadRejected("bad-form")
            switch failure {
            case .noFile: throw APIError(.badRequest, "no-file", "the form has no file: send it as a file field (curl -F file=@run.json)")
            case .malformed(let why): throw APIError(.badRequest, "bad-form", "not a well-formed multipart/form-data body: \(why)")
            }
        }
        env.metrics.uploadBytes.increment(by: bytes)
        let sha = Hex.string(hasher.finalize())

        // The pipeline's own decoders decide whether this is a Polar file.
        let layout: String
        let limits = env.configuration.limits
        let verdict: UploadCheck.Verdict
        do {
            verdict = try await Self.checks.run { [part] in UploadCheck.check(fileAt: part, limits: limits) }
        } catch is AsyncLimiter.Busy {
            env.metrics.uploadRejected("busy")
            throw APIError(.serviceUnavailable, "busy", "too many uploads are being checked; try again shortly")
        }
        switch verdict {
        case .session(let l, _): layout = l
        case .archive: layout = "zip"
        case .refused(let code, let detail):
            env.metrics.uploadRejected(code)
            throw APIError(.badRequest, code, "not a Polar training file: \(detail)")
        }

        let name = "upload-\(sha.prefix(16)).\(layout == "zip" ? "zip" : "json")"
        let final = folder.appendingPathComponent(name)
        let now = Clock.nowMillis()
        let record = UploadRecord(userKey: userKey, sha256: sha, path: env.workspace.relative(final), bytes: Int64(bytes),
                                  layout: layout, createdAt: now)
        var renamed = false
        do {
            if FileManager.default.fileExists(atPath: final.path) {
                try FileManager.default.removeItem(at: part)  // the same bytes already wait in the inbox
            } else {
                try FileManager.default.moveItem(at: part, to: final)
                renamed = true
            }
            keepPart = true
        } catch {
            throw APIError(.internalServerError, "storage", "the upload could not be stored")
        }
        let (id, created) = try await env.store.recordUpload(record)
        guard created else {
            // Uploaded and taken by a run before: the copy just put into the inbox is not needed.
            if renamed { try? FileManager.default.removeItem(at: final) }
            env.metrics.uploads("existing").increment()
            let existing = try await env.store.upload(id: id) ?? record
            return try JSONResponse.make(try await json(existing, id: id, status: "existing"), status: .ok)
        }
        env.metrics.uploads("created").increment()
        env.logger.info("upload stored", metadata: ["upload.id": "\(id)", "upload.bytes": "\(bytes)", "upload.layout": "\(layout)"])
        var answer = try await json(record, id: id, status: "created")
        if request.uri.queryParameters.get("run") == "now" {
            // A run for it now; when one is already going the file waits for the next.
            if let runID = try? await RunStarter.start(env, trigger: "upload") {
                answer.processing = "now"
                answer.run_id = runID
            }
        }
        var response = try JSONResponse.make(answer, status: .created)
        response.headers[.location] = "/api/v1/uploads/\(id)"
        return response
    }

    func json(_ u: UploadRecord, id: Int64, status: String) async throws -> UploadJSON {
        let fileID = try await environment.store.fileID(loadedSHA256: u.sha256)
        return UploadJSON(id: id, user_key: u.userKey, sha256: u.sha256, bytes: u.bytes, layout: u.layout, path: u.path,
                          created_at: PolarTime.formatUTC(millis: u.createdAt), file_id: fileID,
                          status: fileID != nil ? "loaded" : status,
                          processing: fileID != nil ? nil : RunStarter.nextScheduledRun(environment))
    }
}
