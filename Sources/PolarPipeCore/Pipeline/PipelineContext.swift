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
}
