import Foundation

/// The real Polar files bundled with polarpipe (see `Resources/samples/PROVENANCE.md`).
public enum RealSamples {
    public static var folder: URL {
        Bundle.module.url(forResource: "samples", withExtension: nil)
            ?? Bundle.module.bundleURL.appendingPathComponent("samples")
    }

    /// The sample files, sorted by name.
    public static func files() throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    public static func file(prefix: String) throws -> URL {
        guard let url = try files().first(where: { $0.lastPathComponent.hasPrefix(prefix) }) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: prefix])
        }
        return url
    }

    public static func bytes(prefix: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: file(prefix: prefix))) }

    /// A bundled file of any format by its full name (`tracs__200000.tcx`).
    public static func bytes(named name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: folder.appendingPathComponent(name)))
    }
}
