import Foundation
import Testing
import PolarPipeTestSupport
@testable import PolarPipeCore

/// Gzip-compressed training files (Strava's bulk export) are read in memory, within the size and ratio limits.
@Suite struct GzipTests {
    @Test(arguments: ["tracs__100001.gpx", "tracs__200000.tcx", "tracs__200000.csv"])
    func aCompressedFileDecodesLikeTheFileItself(_ name: String) throws {
        let plain = try RealSamples.bytes(named: name)
        let compressed = try GzipWriter.gzip(plain, name: name)
        #expect(compressed.count < plain.count / 3)
        #expect(try Gzip.inflate(compressed, limits: InputLimits()) == plain)
        let a = try #require(SessionDecoder.decode(compressed).session)
        #expect(a == SessionDecoder.decode(plain).session)
    }

    @Test func truncatedCorruptAndMismatchedFilesAreRefused() throws {
        let compressed = try GzipWriter.gzip(try RealSamples.bytes(named: "tracs__200000.tcx"))
        #expect(SessionDecoder.decode(Array(compressed.prefix(compressed.count / 2))).firstError?.code == "gzip-invalid")
        var corrupt = compressed
        corrupt[40] ^= 0xFF
        #expect(SessionDecoder.decode(corrupt).firstError?.code == "gzip-invalid")
        var badCRC = compressed
        badCRC[badCRC.count - 6] ^= 0x01
        #expect(SessionDecoder.decode(badCRC).firstError?.code == "gzip-invalid")
        #expect(SessionDecoder.decode([0x1F, 0x8B, 8, 0]).firstError?.code == "gzip-invalid")
    }

    @Test func aGzipBombIsRefusedBeforeItIsInflated() throws {
        let bomb = try GzipWriter.gzip([UInt8](repeating: 0x20, count: 8 << 20))  // 8 MiB of spaces, about 1 000:1
        #expect(SessionDecoder.decode(bomb).firstError?.code == "zip-bomb")
        var small = InputLimits()
        small.maxFileBytes = 1 << 20
        let big = try GzipWriter.gzip(try RealSamples.bytes(named: "tracs__200000.tcx") + [UInt8](repeating: 0x20, count: 1 << 20))
        #expect(SessionDecoder.decode(big, limits: small).firstError?.code == "too-large")
    }
}
