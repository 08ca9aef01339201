import Foundation
import RNNTrain
import RNNNotebooks
import RNNCheck
import RNNFixtures
import RNNNumpy
import RNNTestSupport
import Testing

/// Notebooks-md: every quoted source and every computed number is regenerated and compared.
@Suite("Notebooks stay in step with the code")
struct NotebookTests {
    static let names: [String] = {
        let dir = packageRoot.appendingPathComponent("Notebooks-md")
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".md") }.sorted()
    }()

    @Test func theCourseHasThirteenNotebooks() {
        #expect(Self.names.count == 13, "the course has thirteen notebooks: \(Self.names)")
    }

    /// Every notebook, in one regeneration each (the notebooks run as parallel cases): one digit
    /// is changed inside its first computed output; the check must flag exactly that block (so
    /// every other block is up to date) and give back the committed text (so the notebook, this
    /// block included, is up to date).
    @Test(arguments: names)
    func everyNotebookIsUpToDateAndAChangedDigitIsCaught(_ name: String) throws {
        let dir = packageRoot.appendingPathComponent("Notebooks-md")
        let text = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
        var lines = text.components(separatedBy: "\n")
        guard let open = lines.firstIndex(where: { $0.hasPrefix("<!-- rnnref:output ") }) else {
            Issue.record("\(name) has no computed output")
            return
        }
        let block = String(lines[open].dropFirst("<!-- rnnref:output ".count).dropLast(" -->".count))
        let close = try #require(lines[open...].firstIndex(of: "<!-- rnnref:end -->"))
        let at = try #require((open + 1 ..< close).first { lines[$0].contains { $0.isNumber } }, "\(name): no digit in \(block)")
        let d = lines[at].firstIndex { $0.isNumber }!
        lines[at].replaceSubrange(d...d, with: lines[at][d] == "7" ? "8" : "7")
        let (restored, stale) = try Notebooks.regenerate(lines.joined(separator: "\n"), file: name, root: packageRoot,
                                                         extra: TrainingNotebooks.outputs)
        #expect(stale.map(\.block) == [block], "\(name): \(stale.map(\.description)) — run `rnnref notebooks --write`")
        #expect(restored == text, "\(name) is stale — run `rnnref notebooks --write`")
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
