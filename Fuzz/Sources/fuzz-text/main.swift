import Foundation
import FuzzDriver
import RNNBLAS
import RNNTrain

/// A text corpus through both text programs at tiny sizes: min-char-rnn (characters) and the
/// PTB language model (words, paragraphs).
func fuzzText(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start else { return 0 }
    guard let text = try? Corpus.decode(Data(bytes: start, count: count), what: "fuzz.txt") else { return 0 }
    let quiet = ProgramOutput(log: { _ in })
    var m = MinCharRNNProgram(text: text, seed: 1, iterations: 3)
    m.hidden = 3; m.seqLength = 4; m.logEvery = 2
    _ = try? m.run(impl: RNNBLAS.Implementation.self, output: quiet)
    var p = PTBProgram(text: text)
    p.hidden = 2; p.layers = 1; p.batch = 2; p.numSteps = 3; p.epochs = 1
    _ = try? p.run(impl: RNNBLAS.Implementation.self, output: quiet)
    return 0
}

runFuzzer(fuzzText)
