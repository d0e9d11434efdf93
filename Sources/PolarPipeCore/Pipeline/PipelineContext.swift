import Logging

/// Everything a task needs: the run, the workspace, the store, the configuration. Tasks read their input from
/// the store and the run's staging folder, never from memory, so each can run in its own process.
public struct PipelineContext: Sendable {
    public let runID: String
    public let workspace: Workspace
    public let store: any PipelineStore
    public let configuration: PipelineConfiguration
    public let logger: Logger
    public let now: @Sendable () -> Int64
    /// Where a task reports progress within itself (`RunEvent.taskProgress`); the runner's `onEvent`.
    public let onEvent: @Sendable (RunEvent) -> Void
    /// The shard this instance works on (a mapped task), −1 for a task that runs once.
    public private(set) var mapIndex = -1
    /// Which try of its task instance this is (1 = the first).
    public private(set) var tryNumber = 1
    /// The one file of its shard this instance works on, when it works on them one at a time (`FileIsolation`).
    public private(set) var onlyFileID: Int64?
    /// Tells the runner that the first `count` shards of a mapping are complete (`TaskInvocation.shardsReady`).
    public private(set) var shardsReady: @Sendable (TaskMapping, Int) -> Void = { _, _ in }

    public init(runID: String, workspace: Workspace, store: any PipelineStore, configuration: PipelineConfiguration,
                logger: Logger, now: @escaping @Sendable () -> Int64 = { Clock.nowMillis() },
                onEvent: @escaping @Sendable (RunEvent) -> Void = { _ in }) {
        self.runID = runID
        self.workspace = workspace
        self.store = store
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "pipeline.run_id"] = "\(runID)"
        self.logger = logger
        self.now = now
        self.onEvent = onEvent
    }

    /// This context for one task instance.
    public func invoked(_ invocation: TaskInvocation) -> PipelineContext {
        var copy = self
        copy.mapIndex = invocation.mapIndex
        copy.shardsReady = invocation.shardsReady
        copy.tryNumber = invocation.tryNumber
        return copy
    }

    /// This instance's context for one file of its shard.
    func alone(_ fileID: Int64) -> PipelineContext {
        var copy = self
        copy.onlyFileID = fileID
        return copy
    }
}

extension PipelineContext {
    /// The ledger rows this instance works on: its file shard's, or the whole run's for a task that runs once.
    /// Only `onlyFileID`'s row when the instance works on one file.
    func shardFiles() async throws -> [FileRecord] {
        let rows = mapIndex >= 0 ? try await store.files(runID: runID, shard: mapIndex) : try await store.files(runID: runID)
        guard let onlyFileID else { return rows }
        return rows.filter { $0.id == onlyFileID }
    }

    /// The exercises stored from the files of this instance's shard, or all of the run's (only `onlyFileID`'s when
    /// the instance works on one file).
    func shardExercises() async throws -> [ExerciseRecord] {
        let exercises = mapIndex >= 0 ? try await store.exercises(runID: runID, fileShard: mapIndex) : try await store.exercises(runID: runID)
        guard let onlyFileID else { return exercises }
        return exercises.filter { $0.fileID == onlyFileID }
    }
}
