import ArgumentParser
import Foundation
import RNNCore
import RNNTrain
import RNNNotebooks
import RNNCheck
import RNNFixtures
import RNNNumpy

struct NotebooksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notebooks",
        abstract: "Check that every code quote and computed number in Notebooks-md/ matches the project; --write regenerates them.")

    @Option(help: "The package root (default: the current directory, else the package this binary was built from).")
    var root: String?

    @Option(help: "Check only the notebooks whose file name starts with this (e.g. 04).")
    var only: String?

    @Flag(help: "Rewrite stale blocks in place.")
    var write = false

    func run() throws {
        let stale: [Notebooks.StaleBlock] = try failing {
            let dir = try fixturesDirectory(root.map { ($0 as NSString).appendingPathComponent("Fixtures") })
            let rootURL = URL(fileURLWithPath: dir).deletingLastPathComponent()
            return try Notebooks.check(root: rootURL, write: write, extra: TrainingNotebooks.outputs, only: only)
        }
        for s in stale { print(write ? "rewrote \(s.file):\(s.line) (\(s.block))" : "STALE \(s)") }
        if stale.isEmpty { print("notebooks are up to date") }
        if !stale.isEmpty && !write { throw ExitCode(1) }
    }
}
