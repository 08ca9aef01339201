import RNNCheck
import RNNCore
import RNNFixtures
import RNNBLAS
import RNNTestSupport
import Testing

/// A fixture proves an option only if the option changes its numbers: every `cell_clip` and
/// `proj_clip` fixture clips (its outputs and its gradients differ from the unclipped model's),
/// every non-zero `forget_bias` fixture changes when it is set to 0, and every mask fixture has a
/// masked step that matters (all steps kept gives other numbers). "Differ" means past the
/// fixture's own tolerance.
@Suite("Fixtures that bite")
struct FixturesBiteTests {
    /// The option a fixture sets, and the same model without it.
    struct Bite: CustomStringConvertible {
        var option: String
        var without: any FixtureModel
        var description: String { option }
    }

    /// Every option of `m` that this suite checks, each with the model without that option.
    static func bites(_ m: any FixtureModel) -> [Bite] {
        // the cell lists of a model, read and written by index
        var lists: [[CellEntry]]
        let rebuild: ([[CellEntry]]) -> any FixtureModel
        var out: [Bite] = []
        switch m {
        case let p as SequenceProblem:
            lists = [p.cells]
            rebuild = { var q = p; q.cells = $0[0]; return q }
            if let mask = p.kerasMask, mask.contains(false) {
                var q = p
                q.kerasMask = mask.map { _ in true }
                out.append(Bite(option: "mask", without: q))
            }
        case let p as KerasBidirectionalProblem:
            if let mask = p.mask, mask.joined().contains(false) {
                var q = p
                q.mask = mask.map { $0.map { _ in true } }
                out.append(Bite(option: "mask", without: q))
            }
            return out
        case let p as BidirectionalProblem:
            lists = [p.cellsFw, p.cellsBw]
            rebuild = { var q = p; q.cellsFw = $0[0]; q.cellsBw = $0[1]; return q }
        default:
            return []
        }
        // each removes its option from a cell's spec and says whether the cell had it
        let options: [(String, (inout CellSpec) -> Bool)] = [
            ("cell_clip", { s in
                guard case var .lstm(c) = s, c.cellClip != nil else { return false }
                c.cellClip = nil; s = .lstm(c); return true
            }),
            ("proj_clip", { s in
                switch s {
                case var .lstm(c) where c.projClip != nil: c.projClip = nil; s = .lstm(c); return true
                case var .cifgLSTM(c) where c.projClip != nil: c.projClip = nil; s = .cifgLSTM(c); return true
                default: return false
                }
            }),
            ("forget_bias", { s in
                switch s {
                case var .lstm(c) where c.forgetBias != 0 && c.flavor != .keras && c.flavor != .torch:
                    c.forgetBias = 0; s = .lstm(c); return true
                case var .cifgLSTM(c) where c.forgetBias != 0: c.forgetBias = 0; s = .cifgLSTM(c); return true
                default: return false
                }
            }),
        ]
        for (name, remove) in options {
            var changed = lists, any = false
            for l in changed.indices {
                for k in changed[l].indices where remove(&changed[l][k].spec) { any = true }
            }
            if any { out.append(Bite(option: name, without: rebuild(changed))) }
        }
        return out
    }

    static let biting: [String] = fixtureNames.filter { name in
        guard let f = try? loadFixture(name), let m = try? FixtureRunner.model(f) else { return false }
        return !bites(m).isEmpty
    }

    @Test(arguments: biting)
    func everyOptionChangesTheNumbers(_ name: String) throws {
        let f = try loadFixture(name)
        let m = try FixtureRunner.model(f)
        let base = try FixtureRunner.run(m, dtype: f.dtype, impl: RNNBLAS.Implementation.self)
        for bite in Self.bites(m) {
            let other = try FixtureRunner.run(bite.without, dtype: f.dtype, impl: RNNBLAS.Implementation.self)
            var forward = false, gradient = false
            for e in base.entries {
                let o = try #require(other.entry(e.key))
                if firstNotClose(o.value.values, e.value.values, f.tolerance) != nil {
                    if e.path.first == "gradients" { gradient = true } else { forward = true }
                }
            }
            #expect(forward, "\(name): \(bite) changes no output or state")
            let hasGradients = base.entries.contains { $0.path.first == "gradients" }
            #expect(gradient || !hasGradients, "\(name): \(bite) changes no gradient")
        }
    }

    /// The suite finds the options it is about: every clip and forget_bias fixture family.
    @Test func theOptionsAreFound() throws {
        var found: [String: Int] = [:]
        for name in Self.biting {
            for b in Self.bites(try FixtureRunner.model(try loadFixture(name))) { found[b.option, default: 0] += 1 }
        }
        #expect(found["cell_clip", default: 0] >= 24)
        #expect(found["proj_clip", default: 0] >= 8)
        #expect(found["forget_bias", default: 0] >= 24)
        #expect(found["mask", default: 0] >= 3)
    }
}
