import CGSL
import RNNCore

/// GSL's `gsl_rng_mt19937`, the 32-bit Mersenne Twister whose stream equals numpy's legacy
/// `RandomState(seed)` for every seed in 0...2^32−1 (numpy seeds with `init_genrand`, as GSL's
/// `mt_set` does; GSL alone maps seed 0 to 4357, so for seed 0 we write `init_genrand(0)`'s state
/// into GSL's generator ourselves).
public final class GSLMT19937: UInt32Stream {
    private let rng: UnsafeMutablePointer<gsl_rng>

    /// Throws for seeds numpy rejects ("Seed must be between 0 and 2**32 - 1").
    public init(seed: Int) throws {
        guard seed >= 0, seed <= Int(UInt32.max) else {
            throw RNNError(.invalid, "seed", "seed must be between 0 and 2**32 - 1, got \(seed)")
        }
        guard let r = gsl_rng_alloc(rnnref_gsl_rng_mt19937()) else {
            throw RNNError(.io, "seed", "gsl_rng_alloc failed")
        }
        rng = r
        if seed == 0 {
            // GSL's state layout for mt19937: { unsigned long mt[624]; int mti; }
            let state = gsl_rng_state(r)!
            let mt = state.assumingMemoryBound(to: UInt.self)
            var v: UInt32 = 0
            mt[0] = 0
            for i in 1..<624 {
                v = 1812433253 &* (v ^ (v >> 30)) &+ UInt32(i)
                mt[i] = UInt(v)
            }
            (state + 624 * MemoryLayout<UInt>.stride).assumingMemoryBound(to: Int32.self).pointee = 624
        } else {
            gsl_rng_set(r, UInt(seed))
        }
    }

    deinit { gsl_rng_free(rng) }

    public func nextUInt32() -> UInt32 { UInt32(truncatingIfNeeded: gsl_rng_get(rng)) }
}

/// numpy's `np.random.seed(seed)` followed by legacy draws.
public func numpyRandomState(seed: Int) throws -> NumpyLegacyRandom<GSLMT19937> {
    NumpyLegacyRandom(source: try GSLMT19937(seed: seed))
}

/// A GSL generator behind a value so it can sit in `NumpyLegacyRandom` (a class is fine: the
/// protocol's `mutating` requirement is satisfied by a non-mutating method).
extension GSLMT19937: @unchecked Sendable {}
