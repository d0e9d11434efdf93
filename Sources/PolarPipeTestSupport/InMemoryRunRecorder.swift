import PolarPipeCore

/// A `RunRecorder` that keeps task instances in memory, for exercising the DAG engine without a database.
public actor InMemoryRunRecorder: RunRecorder {
    public private(set) var instances: [TaskInstanceRecord] = []
    public init() {}

    public func recordTask(_ instance: TaskInstanceRecord) async throws {
        if let i = instances.firstIndex(where: {
            $0.runID == instance.runID && $0.key == instance.key && $0.tryNumber == instance.tryNumber
        }) {
            var merged = instance
            merged.startedAt = instance.startedAt ?? instances[i].startedAt
            instances[i] = merged
        } else {
            instances.append(instance)
        }
    }

    /// The last try of each task that is not mapped.
    public func latest() -> [String: TaskInstanceRecord] {
        Dictionary(grouping: instances.filter { $0.mapIndex < 0 }, by: \.taskID).compactMapValues { $0.max { $0.tryNumber < $1.tryNumber } }
    }

    /// The last try of each instance, mapped ones by map index.
    public func latestInstances() -> [TaskInstanceKey: TaskInstanceRecord] { TaskInstanceRecord.latest(instances) }
}
