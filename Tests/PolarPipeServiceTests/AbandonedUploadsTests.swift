import Foundation
import Logging
import PolarPipeTestSupport
import Testing
@testable import PolarPipeService

/// Upload bodies a dead service left behind are removed when the service starts; nothing else is.
@Suite struct AbandonedUploadsTests {
    @Test func onlyTheServicesOwnIdleUploadFilesAreRemoved() throws {
        let tmp = try TemporaryWorkspace()
        defer { tmp.remove() }
        let old = Date().addingTimeInterval(-2 * 3_600)
        func put(_ path: String, modified: Date) throws -> URL {
            let url = try tmp.drop("{}", at: path)
            try FileManager.default.setAttributes([.modificationDate: modified], ofItemAtPath: url.path)
            return url
        }
        let abandoned = try put("ann/upload-\(UUID().uuidString.lowercased()).part", modified: old)
        let live = try put("ann/upload-\(UUID().uuidString.lowercased()).part", modified: Date())
        let usersOwn = try put("ann/rsync-copy.part", modified: old)
        let notUUID = try put("bob/upload-nightly.part", modified: old)
        let session = try put("bob/upload-3f2a.json", modified: old)
        #expect(AbandonedUploads.sweep(inbox: tmp.workspace.inbox, logger: TemporaryWorkspace.quietLogger) == 1)
        #expect(!FileManager.default.fileExists(atPath: abandoned.path))
        for kept in [live, usersOwn, notUUID, session] { #expect(FileManager.default.fileExists(atPath: kept.path), "\(kept.lastPathComponent)") }
        // A missing inbox is no error.
        #expect(AbandonedUploads.sweep(inbox: tmp.workspace.inbox.appendingPathComponent("none"), logger: TemporaryWorkspace.quietLogger) == 0)
    }
}
