import Foundation

/// Moving files inside the workspace: atomic renames, never overwriting.
public enum FileMoves {
    /// Moves `source` to `destination` (creating folders); when the destination exists, appends ` (2)`, ` (3)`…
    /// before the extension. Returns the final location.
    @discardableResult
    public static func move(_ source: URL, to destination: URL) throws -> URL {
        let fm = FileManager.default
        try fm.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        let target = uniqueDestination(destination)
        try fm.moveItem(at: source, to: target)
        return target
    }

    /// `url`, or the first free ` (n)` variant of it; `avoiding` names paths already promised to other files.
    public static func uniqueDestination(_ url: URL, avoiding taken: Set<String> = []) -> URL {
        let fm = FileManager.default
        func free(_ candidate: URL) -> Bool {
            !taken.contains(candidate.path) && !fm.fileExists(atPath: candidate.path) && !isSymlink(candidate)
        }
        guard !free(url) else { return url }
        let ext = url.pathExtension
        let base = url.deletingPathExtension().lastPathComponent
        let folder = url.deletingLastPathComponent()
        var n = 2
        while true {
            let name = ext.isEmpty ? "\(base) (\(n))" : "\(base) (\(n)).\(ext)"
            let candidate = folder.appendingPathComponent(name)
            if free(candidate) { return candidate }
            n += 1
        }
    }

    /// Writes `data` atomically: to `.<name>.tmp` beside the target, then a rename. The temporary name is fixed, so a
    /// write interrupted by a crash is replaced by the retried write instead of leaving a stray file behind.
    ///
    /// `durable: false` is for files derived from others (report pages, staged sessions): they are written without
    /// the `fsync` that Foundation's `Data.write` does for every file. A process crash keeps them (the page cache
    /// survives it); a power loss may not, like SQLite's last commits under `synchronous = NORMAL`.
    ///
    /// `concurrentWriters: true` gives each write its own temporary name (a counter, not a UUID, which reads
    /// `/dev/urandom` each time), for targets that two writers may produce at once.
    public static func writeAtomically(_ data: some ContiguousBytes, to url: URL, durable: Bool = true,
                                       concurrentWriters: Bool = false) throws {
        let folder = url.deletingLastPathComponent()
        let unique = concurrentWriters ? ".\(temporaryNames.next())" : ""
        let temporary = folder.appendingPathComponent("." + url.lastPathComponent + unique + ".tmp")
        do {
            try write(data, to: temporary, durable: durable)
        } catch let error as POSIXError where error.code == .ENOENT {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try write(data, to: temporary, durable: durable)
        }
        try replace(url, with: temporary)
    }

    static let temporaryNames = Counter()

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func next() -> Int {
            lock.lock()
            defer { lock.unlock() }
            value += 1
            return value
        }
    }

    /// The bytes of the file at `url`, read straight into an array (`Data(contentsOf:)` and a copy into `[UInt8]`
    /// moved every byte twice). A symbolic link is refused (`ELOOP`), not followed.
    public static func read(_ url: URL) throws -> [UInt8] {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw posixError(url) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw posixError(url) }
        return try [UInt8](unsafeUninitializedCapacity: Int(st.st_size)) { buffer, initialized in
            while initialized < buffer.count {
                let n = Foundation.read(fd, buffer.baseAddress! + initialized, buffer.count - initialized)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw posixError(url)
                }
                if n == 0 { break }  // the file shrank while being read
                initialized += n
            }
        }
    }

    /// Creates or truncates `url` and writes `data` to it with POSIX calls.
    static func write(_ data: some ContiguousBytes, to url: URL, durable: Bool) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw posixError(url) }
        defer { close(fd) }
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw posixError(url)
                }
                offset += n
            }
        }
        if durable, fsync(fd) != 0 { throw posixError(url) }
    }

    static func posixError(_ url: URL) -> Error {
        POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO, userInfo: [NSFilePathErrorKey: url.path])
    }

    /// Renames `source` over `destination` atomically (POSIX `rename`), replacing it if it exists.
    public static func replace(_ destination: URL, with source: URL) throws {
        guard rename(source.path, destination.path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: destination.path,
                                                          NSUnderlyingErrorKey: POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)])
        }
    }

    /// The size of the file at `url` (0 when it cannot be read). `lstat`, not `FileManager.attributesOfItem`, which
    /// also looks up the owner's user and group names by reading `/etc/passwd` and `/etc/group`.
    public static func size(_ url: URL) -> Int {
        var st = stat()
        return lstat(url.path, &st) == 0 ? Int(st.st_size) : 0
    }

    public static func isSymlink(_ url: URL) -> Bool {
        var st = stat()
        return lstat(url.path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK
    }
}
