import Foundation

/// A file found in the inbox.
public struct InboxFile: Sendable, Equatable {
    public var url: URL
    /// Path relative to the inbox (`alice/2024/run.json`).
    public var relativePath: String
    /// The user folder, or nil for a file at the inbox root.
    public var userKey: String?
    public var bytes: Int64
    public var isSymlink: Bool
}

/// Lists the inbox files that are ready to be claimed: not `*.part` / `*.tmp`, not hidden, not changed within
/// the settle time. Symbolic links are listed (so they can be refused) but never followed.
public enum InboxScanner {
    public static func scan(_ inbox: URL, settleSeconds: Double, now: Date = Date()) -> [InboxFile] {
        var result: [InboxFile] = []
        walk(inbox, relative: "", depth: 0, into: &result, settleSeconds: settleSeconds, now: now)
        return result.sorted { $0.relativePath < $1.relativePath }
    }

    static func walk(_ folder: URL, relative: String, depth: Int, into result: inout [InboxFile], settleSeconds: Double, now: Date) {
        guard depth < 32, let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return }
        for name in names.sorted() where !name.hasPrefix(".") {
            let url = folder.appendingPathComponent(name)
            let rel = relative.isEmpty ? name : relative + "/" + name
            var st = stat()
            guard lstat(url.path, &st) == 0 else { continue }
            let type = st.st_mode & S_IFMT
            if type == S_IFDIR {
                walk(url, relative: rel, depth: depth + 1, into: &result, settleSeconds: settleSeconds, now: now)
                continue
            }
            guard type == S_IFREG || type == S_IFLNK else { continue }
            if name.hasSuffix(".part") || name.hasSuffix(".tmp") { continue }
            if settleSeconds > 0 {
                let modified = Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
                if now.timeIntervalSince1970 - modified < settleSeconds { continue }
            }
            let parts = rel.split(separator: "/", maxSplits: 1)
            let userKey = parts.count == 2 ? String(parts[0]) : nil
            result.append(InboxFile(url: url, relativePath: rel, userKey: userKey, bytes: Int64(st.st_size),
                                    isSymlink: type == S_IFLNK))
        }
    }
}
