import Foundation
import Testing
import PolarPipeCore
import PolarPipeTestSupport
@testable import PolarPipeSQLite

/// The report pages in a real headless Chromium. In CI (`CI` set) Chromium must be installed; elsewhere the test
/// runs when it is.
@Suite(.serialized, .timeLimit(.minutes(5))) struct BrowserReportTests {
    static let chromium = TestEnvironment.chromium

    static func run(_ executable: String, _ arguments: [String]) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }

    /// Fraction of pixels that are not (near) white, decoding the PNG with Python's zlib.
    static func inkFraction(_ png: URL) throws -> Double {
        let script = """
            import struct, sys, zlib
            d = open(sys.argv[1], 'rb').read(); pos = 8; idat = b''
            while pos < len(d):
                n, t = struct.unpack('>I4s', d[pos:pos+8]); c = d[pos+8:pos+8+n]; pos += 12 + n
                if t == b'IHDR': w, h, depth, ctype = struct.unpack('>IIBB', c[:10])
                elif t == b'IDAT': idat += c
            bpp = {2: 3, 6: 4}[ctype]; raw = zlib.decompress(idat); stride = w * bpp; prev = bytearray(stride); ink = 0; i = 0
            for y in range(h):
                f = raw[i]; row = bytearray(raw[i+1:i+1+stride]); i += 1 + stride
                for x in range(stride):
                    a = row[x-bpp] if x >= bpp else 0; b = prev[x]; c = prev[x-bpp] if x >= bpp else 0
                    if f == 1: row[x] = (row[x] + a) & 255
                    elif f == 2: row[x] = (row[x] + b) & 255
                    elif f == 3: row[x] = (row[x] + (a + b) // 2) & 255
                    elif f == 4:
                        p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                        row[x] = (row[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
                ink += sum(1 for x in range(0, stride, bpp) if min(row[x], row[x+1], row[x+2]) < 200)
                prev = row
            print(ink / (w * h))
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, png.path]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        p.waitUntilExit()
        return Double(String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    @Test(.enabled(if: TestEnvironment.runs(TestEnvironment.chromium != nil)))
    func pagesRenderInChromiumWithoutNetworkAndEscapeUserKeys() async throws {
        let chromium = try #require(Self.chromium, "CI must install chromium (.ci/run does)")
        let tmp = try TemporaryWorkspace("browser")
        defer { tmp.remove() }
        try SyntheticData(users: 2, sessionsPerUser: 6, seed: 31, durationSeconds: 900).write(to: tmp.workspace.inbox)
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        #expect(try await makeRunner(tmp, store).run(runID: "pages").outcome.state == .success)
        // A hostile user key, as an API client could choose it.
        let evil = "<script>alert(1)</script>"
        _ = try await store.upsertUser(key: evil, physical: nil, polarUserID: nil, now: Clock.nowMillis())
        let data = try await ReportData.load(from: store, now: Clock.nowMillis())
        try await ReportWriter.write(data, to: tmp.workspace.reports, store: store)

        let all = tmp.files(under: tmp.workspace.reports).filter { $0.hasSuffix(".html") }
        #expect(all.count == 16)  // index, three users, twelve exercises
        let pages = all.filter { !$0.contains("/exercises/") } + ["reports/exercises/1.html"]
        for page in pages {
            let url = tmp.workspace.url(page)
            let html = try String(contentsOf: url, encoding: .utf8)
            #expect(!html.contains("<script"), "\(page)")
            #expect(!html.lowercased().contains("http://") && !html.lowercased().contains("https://") && !html.contains("src="), "\(page)")
            let png = tmp.workspace.root.appendingPathComponent((page as NSString).lastPathComponent + ".png")
            let status = try Self.run(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                                                  "--window-size=1000,1400", "--screenshot=\(png.path)", url.absoluteString])
            #expect(status == 0)
            // A blank page has no ink; pages with charts have several per cent.
            let ink = try Self.inkFraction(png)
            let minimum = page.contains("athlete-01") || page.hasSuffix("index.html") ? 0.03 : page.contains("exercises") ? 0.01 : 0.003
            #expect(ink > minimum,
                    "\(page) looks blank: \(ink)")
        }
        let index = try String(contentsOf: tmp.workspace.reports.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(index.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(index.contains("Exercises per week") && index.contains("<svg"))
        let user = try String(contentsOf: tmp.workspace.reports.appendingPathComponent("users/athlete-01.html"), encoding: .utf8)
        #expect(user.contains("Time in heart-rate zones") && user.contains("Fitness (CTL 42 d)") && user.contains("<polyline"))
        #expect(user.contains("Personal records") && user.contains("href=\"../exercises/"))
        let exercise = try String(contentsOf: tmp.workspace.reports.appendingPathComponent("exercises/1.html"), encoding: .utf8)
        #expect(exercise.contains("<path d=\"M") && exercise.contains("Heart rate over time") && exercise.contains("Splits"))
    }
}
