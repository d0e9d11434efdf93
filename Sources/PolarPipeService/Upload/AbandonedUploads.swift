import Foundation
import Logging
import PolarPipeCore

/// Upload bodies left behind by a service that died mid-request: `inbox/<user>/upload-<uuid>.part` files (the run
/// never claims `.part` files, so nothing else would remove them). At start the service deletes those not written to
/// for an hour — a live upload writes its `.part` continuously — and nothing else: only the names the upload handler
/// itself creates, never a user's own `.part` files.
enum AbandonedUploads {
    static let idleSeconds: TimeInterval = 3_600

    /// Deletes the abandoned upload files under `inbox`; returns how many.
    @discardableResult
    static func sweep(inbox: URL, now: Date = Date(), logger: Logger) -> Int {
        let fm = FileManager.default
        guard let users = try? fm.contentsOfDirectory(at: inbox, includingPropertiesForKeys: nil) else { return 0 }
        var removed = 0
        for folder in users {
            guard let names = try? fm.contentsOfDirectory(atPath: folder.path) else { continue }
            for name in names where isUploadPart(name) {
                let url = folder.appendingPathComponent(name)
                guard let values = try? url.resourceValues(forKeys: [.contentModificationDateKey, .isRegularFileKey]),
                      values.isRegularFile == true, let modified = values.contentModificationDate,
                      now.timeIntervalSince(modified) >= idleSeconds
                else { continue }
                if (try? fm.removeItem(at: url)) != nil { removed += 1 }
            }
        }
        if removed > 0 { logger.warning("removed \(removed) upload file(s) abandoned by an earlier service (upload-*.part idle for an hour)") }
        return removed
    }

    /// `upload-<uuid>.part`, as `UploadHandler` names a body being received.
    static func isUploadPart(_ name: String) -> Bool {
        guard name.hasPrefix("upload-"), name.hasSuffix(".part") else { return false }
        let middle = name.dropFirst("upload-".count).dropLast(".part".count)
        return UUID(uuidString: String(middle)) != nil
    }
}
