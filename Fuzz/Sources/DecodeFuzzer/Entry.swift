import Foundation
import FuzzerEntry

/// libFuzzer's entry point: one input through every stage a file goes through before it reaches a database.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    TapeWalk.check(bytes)
    if let session = DecodeCheck.check(bytes) {
        StagedRoundTrip.check(session)
        StatisticsCheck.check(session)
    }
    return 0
}

/// Called once by libFuzzer before the first input. With `POLARPIPE_FUZZ_WRITE_SEEDS=<folder>` the harness writes
/// its generated seed inputs (the hostile corpus and synthetic sessions) into that folder and exits instead of
/// fuzzing; `run.sh` uses this to build the seed corpus.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    if let folder = ProcessInfo.processInfo.environment["POLARPIPE_FUZZ_WRITE_SEEDS"] {
        do {
            let count = try Seeds.write(to: URL(fileURLWithPath: folder))
            print("wrote \(count) seed files to \(folder)")
            exit(0)
        } catch {
            print("cannot write the seed files: \(error)")
            exit(1)
        }
    }
    return 0
}

/// Stops the fuzzer with a message when a property every input must have does not hold (libFuzzer records the
/// input as a crash).
func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() {
        FileHandle.standardError.write(Data(("property violated: " + message() + "\n").utf8))
        abort()
    }
}
