import Foundation
import RNNTestSupport
import Testing

/// The `rnnref` executable: exit codes and one-line errors.
@Suite("rnnref command line")
struct CLITests {
    @Test func checkPassesOnACommittedFixture() throws {
        let r = try runCLI(["check", "Fixtures/tf-basicrnn-f64-lengths.json", "--impl", "both"])
        #expect(r.status == 0, "\(r.out)\(r.err)")
        #expect(r.out.contains("2 passed, 0 failed"))
    }

    @Test func runWritesAFixtureThatCheckAccepts() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("rnnref-run-out.json").path
        let r = try runCLI(["run", "Fixtures/keras-simplernn-f32.json", "--out", out, "--impl", "scalar"])
        #expect(r.status == 0, "\(r.err)")
        let c = try runCLI(["check", out, "--impl", "blas"])
        #expect(c.status == 0, "\(c.out)")
    }

    @Test(arguments: [
        (["check", "/nonexistent.json"], "/nonexistent.json: cannot read the file"),
        (["run", "Fixtures/tf-basicrnn-f64-lengths.json", "--out", "/nonexistent-dir/x.json"], "/nonexistent-dir/x.json: cannot write"),
        (["gradcheck", "--cell", "tf.NoSuchCell"], "unknown cell kind \"tf.NoSuchCell\""),
        (["gradcheck", "--activation", "swoosh"], "unknown activation 'swoosh'"),
        (["verify", "--fixtures", "/nonexistent-dir"], "/nonexistent-dir: no such fixtures directory"),
        (["notebooks", "--only", "99"], "99: no notebook in Notebooks-md starts with that"),
    ])
    func badInputExitsNonZeroWithOneLine(_ args: [String], _ message: String) throws {
        let r = try runCLI(args)
        #expect(r.status != 0)
        let lines = r.err.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(r.err)")
        #expect(r.err.hasPrefix("rnnref: error: "))
        #expect(r.err.contains(message), "stderr: \(r.err)")
    }

    @Test func malformedFixtureExitsNonZero() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rnnref-cli-bad.json")
        try Data("[1, 2".utf8).write(to: url)
        let r = try runCLI(["check", url.path])
        #expect(r.status != 0)
        #expect(r.err.contains("\(url.path): not valid JSON"))
    }

    @Test func mismatchExitsNonZero() throws {
        let src = try String(contentsOf: fixturesDir.appendingPathComponent("tf-basicrnn-f64-b1-t1-h1.json"), encoding: .utf8)
        let key = "\"outputs\":{\"shape\":[1,1,1],\"data\":["
        let r0 = try #require(src.range(of: key))
        let end = try #require(src[r0.upperBound...].firstIndex(of: "]"))
        var text = src
        text.replaceSubrange(r0.upperBound..<end, with: "0.123")
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rnnref-cli-mismatch.json")
        try Data(text.utf8).write(to: url)
        let r = try runCLI(["check", url.path])
        #expect(r.status == 1)
        #expect(r.out.contains("MISMATCH"))
    }

    /// `rnnref verify` fails the run when one row of its table fails: a directory with a good
    /// fixture passes (exit 0); the same directory plus a copy with one output moved fails
    /// (exit 1) and names it.
    @Test func verifyExitsNonZeroWhenOneRowFails() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rnnref-verify-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let src = try String(contentsOf: fixturesDir.appendingPathComponent("tf-basicrnn-f64-b1-t1-h1.json"), encoding: .utf8)
        try Data(src.utf8).write(to: dir.appendingPathComponent("good.json"))
        let ok = try runCLI(["verify", "--fixtures", dir.path])
        #expect(ok.status == 0, "\(ok.out)\(ok.err)")
        #expect(ok.out.contains("0 failed"))
        let key = "\"outputs\":{\"shape\":[1,1,1],\"data\":["
        let r0 = try #require(src.range(of: key))
        let end = try #require(src[r0.upperBound...].firstIndex(of: "]"))
        var text = src
        text.replaceSubrange(r0.upperBound..<end, with: "0.123")
        try Data(text.utf8).write(to: dir.appendingPathComponent("moved.json"))
        let bad = try runCLI(["verify", "--fixtures", dir.path])
        #expect(bad.status == 1)
        #expect(bad.out.contains("FAILED tf-basicrnn-f64-b1-t1-h1"), "\(bad.out)")
    }

    /// The benchmark runs and reports the agreed JSON keys (its times are not checked: a
    /// benchmark, not a timed test).
    @Test func benchReportsJSON() throws {
        let r = try runCLI(["bench", "--cell", "gru", "--batch", "2", "--steps", "3", "--input", "4", "--hidden", "5",
                            "--pass", "train", "--repeat", "2", "--json", "--dtype", "float64"])
        #expect(r.status == 0, "\(r.err)")
        let obj = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any]
        for k in ["cell", "impl", "dtype", "batch", "steps", "input", "hidden", "pass", "threads", "median_ms", "gflops"] {
            #expect(obj?[k] != nil, "missing \(k)")
        }
        let bad = try runCLI(["bench", "--hidden", "0"])
        #expect(bad.status != 0 && bad.err.contains("--hidden"))
    }

    @Test func gradcheckPasses() throws {
        let r = try runCLI(["gradcheck", "--cell", "keras.SimpleRNN", "--units", "2", "--steps", "3", "--seed", "5"])
        #expect(r.status == 0, "\(r.out)\(r.err)")
        #expect(r.out.contains("gsl_deriv_central"))
    }
}
