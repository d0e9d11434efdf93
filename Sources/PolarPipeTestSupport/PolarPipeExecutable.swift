import Foundation

/// The `polarpipe` executable built beside the test bundle (for tests that run the real binary).
public enum PolarPipeExecutable {
    public static var url: URL {
        let dir = Bundle.main.bundleURL.deletingLastPathComponent()
        for candidate in [dir, dir.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("polarpipe")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/polarpipe")
    }
}
