import ArgumentParser
import PolarPipeCore

extension GraphFormat: ExpressibleByArgument {}

struct DagCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dag", abstract: "Print the training_data_pipeline graph.")
    @Option(help: "Output format: text, dot or mermaid.") var format: GraphFormat = .text

    func run() throws {
        print(format.render(try TrainingPipeline.graph()))
    }
}
