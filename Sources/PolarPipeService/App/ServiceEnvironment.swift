import Foundation
import Logging
import PolarPipeCore

/// The database as the service sees it: the pipeline's store plus accounts (tokens, uploads, AccessLink).
public typealias ServiceStore = AccountStore & PipelineStore

/// What every part of the service shares: the workspace, the store, the configuration, metrics and a logger.
public struct ServiceEnvironment: Sendable {
    public var workspace: Workspace
    public var store: any ServiceStore
    public var configuration: PipelineConfiguration
    public var metrics: ServiceMetrics
    public var logger: Logger

    public init(workspace: Workspace, store: any ServiceStore, configuration: PipelineConfiguration,
                metrics: ServiceMetrics = ServiceMetrics(), logger: Logger) {
        self.workspace = workspace
        self.store = store
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
    }
}
