import Foundation
import PolarPipeTestSupport

/// Runs the real `polarpipe` with its standard output and error on a pseudo-terminal, as in a user's shell, so that
/// it draws what it draws on a terminal (the live progress line).
enum PseudoTerminal {
    /// `TIOCSPTLCK` and `TIOCGPTN` (`_IOW('T', 0x31, int)`, `_IOR('T', 0x30, unsigned int)`).
    static let setLock: UInt = 0x4004_5431
    static let getNumber: UInt = 0x8004_5430

    /// The exit status and everything the program wrote, escape sequences included (the terminal turns `\n` into
    /// `\r\n`).
    static func run(_ arguments: [String], columns: UInt16 = 120) throws -> (status: Int32, output: String) {
        // Linux's pseudo-terminal multiplexer; Swift's Glibc module does not declare posix_openpt and its friends,
        // so the two ioctls behind unlockpt and ptsname are called directly.
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        guard master >= 0 else { throw POSIXError(.ENOTTY) }
        defer { close(master) }
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard ioctl(master, Self.setLock, &unlock) == 0, ioctl(master, Self.getNumber, &number) == 0 else { throw POSIXError(.ENOTTY) }
        let slave = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY)
        guard slave >= 0 else { throw POSIXError(.ENOTTY) }
        var size = winsize(ws_row: 40, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(slave, UInt(TIOCSWINSZ), &size)

        let process = Process()
        process.executableURL = PolarPipeExecutable.url
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("POLARPIPE_") }
        let terminal = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
        process.standardOutput = terminal
        process.standardError = terminal
        do {
            try process.run()
        } catch {
            close(slave)
            throw error
        }
        close(slave)  // the child holds its copies; reading ends (EIO) when it exits
        var output = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = read(master, &buffer, buffer.count)
            if n <= 0 { break }
            output.append(contentsOf: buffer[0 ..< n])
        }
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
