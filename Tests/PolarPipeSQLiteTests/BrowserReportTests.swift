import Foundation
import Testing
import PolarPipeCore
import PolarPipeTestSupport
@testable import PolarPipeSQLite

/// The report pages in a real headless Chromium. In CI (`CI` set) Chromium must be installed; elsewhere the test
/// runs when it is.
@Suite(.serialized, .timeLimit(.minutes(10))) struct BrowserReportTests {
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
            let minimum = page.contains("athlete-01") || page.hasSuffix("index.html") ? 0.015 : page.contains("exercises") ? 0.01 : 0.003
            #expect(ink > minimum,
                    "\(page) looks blank: \(ink)")
        }
        let index = try String(contentsOf: tmp.workspace.reports.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(index.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(index.contains("Exercises per week") && index.contains("<svg"))
        let user = try String(contentsOf: tmp.workspace.reports.appendingPathComponent("users/athlete-01.html"), encoding: .utf8)
        #expect(user.contains("Time in heart-rate zones") && user.contains("Fitness (CTL 42 d)") && user.contains("<polyline"))
        #expect(user.contains("<h3>Records</h3>") && user.contains("href=\"../exercises/"))
        let exercise = try String(contentsOf: tmp.workspace.reports.appendingPathComponent("exercises/1.html"), encoding: .utf8)
        #expect(exercise.contains("<path d=\"M") && exercise.contains("Heart rate by elapsed time") && exercise.contains("Splits"))
    }

    /// What a page measures in Chromium at a window width: the document's width against the window's, and the
    /// smallest rendered size of visible chart text (CSS pixels, after the SVG's scaling).
    struct Layout: Decodable {
        var scroll: Double
        var inner: Double
        var minFont: Double
        var texts: Int
    }

    /// Loads `page` in an iframe `width` px wide (headless Chromium's window is at least 500 px wide) and reads what
    /// a script of the wrapping page measured inside it from the dumped DOM; the page itself has no script.
    static func layout(_ chromium: String, page: URL, width: Int) throws -> Layout {
        let probe = page.deletingLastPathComponent().appendingPathComponent("probe-\(width)-" + page.lastPathComponent)
        let wrapper = """
            <!DOCTYPE html><html><body style="margin:0"><iframe id="f" src="\(page.lastPathComponent)" style="border:0;width:\(width)px;height:900px"></iframe>
            <script>document.getElementById('f').addEventListener('load', () => {
              const f = document.getElementById('f'), d = f.contentDocument, w = f.contentWindow; let min = 1e9, n = 0;
              for (const t of d.querySelectorAll('svg text')) { if (t.getClientRects().length === 0) continue;
                const m = t.getScreenCTM(); min = Math.min(min, parseFloat(w.getComputedStyle(t).fontSize) * (m ? m.a : 1)); n++; }
              const o = document.createElement('pre'); o.id = 'probe';
              o.textContent = JSON.stringify({scroll: d.documentElement.scrollWidth, inner: w.innerWidth, minFont: n ? min : 99, texts: n});
              document.body.appendChild(o); });</script></body></html>
            """
        try wrapper.write(to: probe, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: probe) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: chromium)
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files", "--window-size=\(width + 100),900",
                       "--virtual-time-budget=3000", "--dump-dom", probe.absoluteString]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let dom = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard let start = dom.range(of: "<pre id=\"probe\">"), let end = dom.range(of: "</pre>", range: start.upperBound ..< dom.endIndex) else {
            throw CocoaError(.fileReadCorruptFile)
        }
        return try JSONDecoder().decode(Layout.self, from: Data(dom[start.upperBound ..< end.lowerBound].utf8))
    }

    /// Every page type — dashboard, user page (with its heatmap), exercise with a route, a ride with power and the
    /// watch's figures, exercise without samples, and the dashboard of an empty workspace — at a desktop and a phone width: not blank, nothing wider than the window, chart text at
    /// least 11 px. Screenshots go to `POLARPIPE_SCREENSHOTS` when it is set, to be looked at.
    @Test(.enabled(if: TestEnvironment.runs(TestEnvironment.chromium != nil)))
    func everyPageTypeFitsADesktopAndAPhoneWidth() async throws {
        let chromium = try #require(Self.chromium, "CI must install chromium (.ci/run does)")
        let tmp = try TemporaryWorkspace("widths")
        defer { tmp.remove() }
        try SyntheticData(users: 1, sessionsPerUser: 12, seed: 21, durationSeconds: 1_800, layout: .mixed,
                          multisportShare: 0.3).write(to: tmp.workspace.inbox)
        try tmp.drop(OldLayoutFixtures.session(exercises: [OldLayoutFixtures.manualExercise]), at: "athlete-01/tennis.json")
        try tmp.drop(PowerRideFixture.json(), at: "athlete-01/ride.json")
        let store = try SQLiteStore(path: tmp.workspace.databaseFile.path)
        #expect(try await makeRunner(tmp, store).run(runID: "widths").outcome.state == .success)
        let user = try #require(try await store.user(key: "athlete-01"))
        let exercises = try await store.recentExercises(userID: user.id, limit: 100)
        let withRoute = try #require(exercises.first { ($0.stats?.gpsPoints ?? 0) > 100 })
        let manual = try #require(exercises.first { $0.exercise.sport == "TENNIS" })
        let ride = try #require(exercises.first { $0.stats?.power?.avgW != nil })
        let empty = try TemporaryWorkspace("widths-empty")
        defer { empty.remove() }
        let emptyStore = try SQLiteStore(path: empty.workspace.databaseFile.path)
        try await ReportWriter.write(try await ReportData.load(from: emptyStore, now: Clock.nowMillis()), to: empty.workspace.reports,
                                     store: emptyStore)
        let pages: [(name: String, url: URL, minInk: Double)] = [
            ("index", tmp.workspace.reports.appendingPathComponent("index.html"), 0.015),
            ("user", tmp.workspace.reports.appendingPathComponent("users/athlete-01.html"), 0.015),
            ("exercise-route", tmp.workspace.reports.appendingPathComponent("exercises/\(withRoute.exercise.id).html"), 0.01),
            ("exercise-manual", tmp.workspace.reports.appendingPathComponent("exercises/\(manual.exercise.id).html"), 0.003),
            ("exercise-power", tmp.workspace.reports.appendingPathComponent("exercises/\(ride.exercise.id).html"), 0.01),
            ("empty-index", empty.workspace.reports.appendingPathComponent("index.html"), 0.003),
        ]
        let keep = ProcessInfo.processInfo.environment["POLARPIPE_SCREENSHOTS"].map { URL(fileURLWithPath: $0) }
        for (name, url, minInk) in pages {
            for width in [1280, 390] {
                let layout = try Self.layout(chromium, page: url, width: width)
                #expect(layout.inner == Double(width), "\(name) at \(width)")
                if ["index", "user", "exercise-route", "exercise-power"].contains(name) { #expect(layout.texts > 20, "\(name) at \(width)") }
                #expect(layout.scroll <= layout.inner, "\(name) is \(layout.scroll) px wide at \(width)")
                #expect(layout.minFont >= 10.99, "\(name) at \(width): chart text of \(layout.minFont) px")
                let png = tmp.workspace.root.appendingPathComponent("\(name)-\(width).png")
                #expect(try Self.run(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                                                "--window-size=\(width),800", "--screenshot=\(png.path)", url.absoluteString]) == 0)
                let ink = try Self.inkFraction(png)
                #expect(ink > minInk, "\(name) at \(width) looks blank: \(ink)")
                if let keep {
                    try? FileManager.default.createDirectory(at: keep, withIntermediateDirectories: true)
                    try? FileManager.default.removeItem(at: keep.appendingPathComponent(png.lastPathComponent))
                    try FileManager.default.copyItem(at: png, to: keep.appendingPathComponent(png.lastPathComponent))
                }
            }
        }
    }
}
