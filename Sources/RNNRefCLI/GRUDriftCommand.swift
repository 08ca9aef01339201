import ArgumentParser
import Foundation
import RNNCore
import RNNCheck
import RNNFixtures
import RNNNumpy

struct GRUDrift: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gru-drift",
        abstract: "Measure how far reset_after=True (PyTorch, Keras default) and reset_after=False (TF v1) GRUs part on the same weights.")

    @Option(help: "H.") var units: Int = 8
    @Option(help: "I.") var input: Int = 4
    @Option(help: "B.") var batch: Int = 16
    @Option(help: "T.") var steps: Int = 20
    @Option(help: "Weights uniform(±scale).") var scale: Double = 0.6
    @Option(help: "numpy RandomState seed.") var seed: Int = 0

    func run() throws {
        let rows = try failing { try GRUVariantDrift.measure(units: units, input: input, batch: batch, steps: steps, seed: seed, scale: scale) }
        print("reset_after=True vs reset_after=False, same weights (H=\(units), I=\(input), B=\(batch), scale \(scale), seed \(seed))")
        print("| t | max abs difference | mean abs difference | max abs h |")
        print("| --- | --- | --- | --- |")
        for r in rows { print("| \(r.t) | \(format(r.maxAbs)) | \(format(r.meanAbs)) | \(format(r.maxAbsH)) |") }
    }
}
