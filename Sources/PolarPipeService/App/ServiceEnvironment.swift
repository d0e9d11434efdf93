import Foundation
import Logging
import PolarPipeCore

/// The database as the service sees it: the pipeline's store plus accounts (tokens, uploads, AccessLink).
public typealias ServiceStore = AccountStore & PipelineStore

/// What every part of the service shares: the workspace, the store, the configuration, metrics, the response cache
/// and a logger.
public struct ServiceEnvironment: Sendable {
    public var workspace: Workspace
    public var store: any ServiceStore
    public var configuration: PipelineConfiguration
    public var metrics: ServiceMetrics
    /// Rendered pages and statistics responses (`service.cache`); by default the in-process LRU of the
    /// configuration's bounds.
    public var cache: any ResponseCache
    public var logger: Logger

    public init(workspace: Workspace, store: any ServiceStore, configuration: PipelineConfiguration,
                metrics: ServiceMetrics = ServiceMetrics(), cache: (any ResponseCache)? = nil, logger: Logger) {
        self.workspace = workspace
        self.store = store
        self.configuration = configuration
        self.metrics = metrics
        self.cache = cache ?? ResponseCaches.make(configuration, logger: logger)
        self.logger = logger
    }
}
