import Foundation
import ZIPFoundation

/// Decides whether a received file (an upload) is a Polar file the pipeline will take, with the same decoders and
/// archive checks as `validate_json_files`, before it is put into a user's inbox.
public enum UploadCheck {
    /// The verdict on one file.
    public enum Verdict: Sendable, Equatable {
        /// A session file of this layout (`flow-export-v1`, `flow-export-v2`, `accesslink-v3`).
        case session(layout: String, exercises: Int)
        /// A zip with this many training-session entries that decode (`refusedSessions` more will be quarantined).
        case archive(sessions: Int, refusedSessions: Int)
        /// Not acceptable: the reason code (as in quarantine) and a message.
        case refused(code: String, detail: String)
    }

    /// Checks the file at `url` (already size-limited by the caller).
    public static func check(fileAt url: URL, limits: InputLimits) -> Verdict {
        if ZipIngest.isZip(url) { return checkArchive(url, limits: limits) }
        guard let data = try? Data(contentsOf: url) else { return .refused(code: "unreadable", detail: "the upload could not be read") }
        if data.isEmpty { return .refused(code: "empty-file", detail: "the body is empty") }
        let outcome = SessionDecoder.decode([UInt8](data), limits: limits)
        guard let session = outcome.session else {
            let error = outcome.firstError
            return .refused(code: error?.code ?? "invalid", detail: error.map { "\($0.message) (at \($0.path))" } ?? "not a Polar training session")
        }
        return .session(layout: session.layout.rawValue, exercises: session.exercises.count)
    }

    static func checkArchive(_ url: URL, limits: InputLimits) -> Verdict {
        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            return .refused(code: "invalid-zip", detail: "the body is not a readable zip archive")
        }
        if let refusal = ZipIngest.check(archive, limits: limits) {
            return .refused(code: refusal.code, detail: refusal.description)
        }
        var sessions = 0, refused = 0
        var firstRefusal: String?
        for entry in archive where entry.type == .file {
            let bytes = try? ZipIngest.read(entry, from: archive, limit: limits.maxFileBytes)
            let error = bytes.map { SessionDecoder.decode($0, limits: limits) }.flatMap { $0.session == nil ? $0.firstError : nil }
            if let bytes, error != nil, ExportFileKinds.kind(name: entry.path, bytes: bytes, limits: limits) != nil {
                continue  // activity, sleep, …: skipped by the pipeline, not refused
            }
            if bytes == nil || error != nil {
                refused += 1
                firstRefusal = firstRefusal ?? "entry \(entry.path): \(error?.message ?? "too large")"
            } else {
                sessions += 1
            }
        }
        if sessions == 0 {
            return .refused(code: "no-sessions", detail: firstRefusal ?? "the zip holds no training session")
        }
        return .archive(sessions: sessions, refusedSessions: refused)
    }
}
