import Foundation

/// The real Polar files bundled with polarpipe (see `Resources/samples/PROVENANCE.md`).
public enum RealSamples {
    public static var folder: URL { BundledFolder.url("samples") }

    /// The sample files, sorted by name.
    public static func files() throws -> [URL] { try BundledFolder.jsonFiles("samples") }

    /// The FIT sample files (`fitparse__*.fit`), sorted by name.
    public static func fitFiles() throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "fit" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// The bytes of the FIT sample whose name starts with `fitparse__` + `name`.
    public static func fitBytes(_ name: String) throws -> [UInt8] {
        guard let url = try fitFiles().first(where: { $0.lastPathComponent.hasPrefix("fitparse__" + name) }) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: name])
        }
        return [UInt8](try Data(contentsOf: url))
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

/// Hand-written non-session files of a Polar account export, one or two of each kind (see
/// `Resources/export-parts/PROVENANCE.md`): activity, sleep, recovery, 24/7 heart rate, tests, targets, account, …
public enum ExportParts {
    public static var folder: URL { BundledFolder.url("export-parts") }

    /// The files, sorted by name.
    public static func files() throws -> [URL] { try BundledFolder.jsonFiles("export-parts") }
}

/// A folder of this module's resources.
enum BundledFolder {
    static func url(_ name: String) -> URL {
        Bundle.module.url(forResource: name, withExtension: nil) ?? Bundle.module.bundleURL.appendingPathComponent(name)
    }

    /// The folder's `.json` files, sorted by name.
    static func jsonFiles(_ name: String) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: url(name), includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }
}
