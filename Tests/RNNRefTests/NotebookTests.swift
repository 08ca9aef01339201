import Foundation
import RNNTrain
import RNNVerify
import Testing

/// Notebooks-md: every quoted source and every computed number is regenerated and compared.
@Suite("Notebooks stay in step with the code")
struct NotebookTests {
    @Test func notebooksAreUpToDate() throws {
        let stale = try Notebooks.check(root: packageRoot, write: false, extra: TrainingNotebooks.outputs)
        #expect(stale.isEmpty, "\(stale.map(\.description).joined(separator: "; ")) — run `rnnref notebooks --write`")
    }

    /// One changed digit in a computed table is caught; restoring it passes again.
    @Test func aChangedDigitIsCaught() throws {
        let url = packageRoot.appendingPathComponent("Notebooks-md/01-two-step-numpy-rnn.md")
        let text = try String(contentsOf: url, encoding: .utf8)
        let (_, clean) = try Notebooks.regenerate(text, file: "01", root: packageRoot)
        #expect(clean.isEmpty)
        let changed = text.replacingOccurrences(of: "0.53704957", with: "0.53704958")
        #expect(changed != text)
        let (restored, stale) = try Notebooks.regenerate(changed, file: "01", root: packageRoot)
        #expect(stale.map(\.block) == ["004-forward"])
        #expect(restored == text)
    }

    @Test func aChangedQuoteIsCaught() throws {
        let url = packageRoot.appendingPathComponent("Notebooks-md/01-two-step-numpy-rnn.md")
        let text = try String(contentsOf: url, encoding: .utf8)
        let changed = text.replacingOccurrences(of: "z[b, j] = s\n", with: "z[b, j] = s + 0\n")
        #expect(changed != text)
        let (_, stale) = try Notebooks.regenerate(changed, file: "01", root: packageRoot)
        #expect(stale.count == 1)
    }

    /// The notebook's forward numbers are the document's printed numbers.
    @Test func notebookShowsTheDocumentsNumbers() throws {
        let text = try String(contentsOf: packageRoot.appendingPathComponent("Notebooks-md/01-two-step-numpy-rnn.md"), encoding: .utf8)
        for printed in ["0.53704957, 0.46211716", "1.56128388", "0.85973818, 0.88366641", "2.72707101", "1.39225678"] {
            #expect(text.contains(printed))
        }
    }
}
