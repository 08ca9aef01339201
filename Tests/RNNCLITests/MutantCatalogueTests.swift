import Foundation
import RNNTestSupport
import Testing

/// The mutation catalogue (`Tests/Mutants`, run by `mutate.sh`) stays in step with the sources:
/// every patch still applies (`git apply --check`, which needs no repository), and carries the
/// header `mutate.sh` reads. A stale patch is a mutant nobody runs; this is what notices it
/// (26 had gone stale across two sessions before this test).
@Suite("Mutation catalogue")
struct MutantCatalogueTests {
    @Test func everyPatchAppliesAndHasAHeader() throws {
        let dir = packageRoot.appendingPathComponent("Tests/Mutants")
        let patches = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".patch") }.sorted()
        #expect(patches.count >= 80)
        for name in patches {
            let text = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
            for key in ["Mutant:", "Target:", "Tests:", "At-least:"] {
                #expect(text.split(separator: "\n").contains { $0.hasPrefix(key) }, "\(name) has no \(key) line")
            }
            let git = Process()
            git.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            git.arguments = ["git", "apply", "--check", "Tests/Mutants/\(name)"]
            git.currentDirectoryURL = packageRoot
            let err = Pipe()
            git.standardError = err
            git.standardOutput = Pipe()
            try git.run()
            git.waitUntilExit()
            let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(git.terminationStatus == 0, "\(name) no longer applies: \(message)")
        }
    }
}
