/// A source of MT19937 32-bit words. RNNNumpy supplies GSL's `gsl_rng_mt19937`, whose stream
/// equals numpy's `RandomState(seed)` (for 32-bit seeds; see `GSLMT19937`).
public protocol UInt32Stream {
    mutating func nextUInt32() -> UInt32
}

/// numpy's legacy `RandomState` draws, written from numpy's C sources
/// (`numpy/random/src/legacy/legacy-distributions.c`, `distributions.c`, `mtrand.pyx`), so a
/// Swift program seeded like a numpy script draws the same numbers.
public struct NumpyLegacyRandom<Source: UInt32Stream> {
    public var source: Source
    /// The cached second value of the polar method (`has_gauss` / `gauss` in numpy's state).
    public private(set) var cachedGauss: Double?

    public init(source: Source) {
        self.source = source
        self.cachedGauss = nil
    }

    /// `random_sample()`: 53 random bits from two words, `(a·2^26 + b) / 2^53` with
    /// `a = w₁ >> 5`, `b = w₂ >> 6` (numpy's `mt19937_next_double`).
    public mutating func randomSample() -> Double {
        let a = Double(source.nextUInt32() >> 5)
        let b = Double(source.nextUInt32() >> 6)
        return (a * 67108864.0 + b) / 9007199254740992.0
    }

    /// `randn()`: numpy's `legacy_gauss`, Marsaglia's polar method keeping the second value.
    public mutating func randn() -> Double {
        if let g = cachedGauss {
            cachedGauss = nil
            return g
        }
        var x1 = 0.0, x2 = 0.0, r2 = 0.0
        repeat {
            x1 = 2.0 * randomSample() - 1.0
            x2 = 2.0 * randomSample() - 1.0
            r2 = x1 * x1 + x2 * x2
        } while r2 >= 1.0 || r2 == 0.0
        // Polar method: numpy writes sqrt(-2.0 * log(r2) / r2).
        let f = (-2.0 * Double.log(r2) / r2).squareRoot()
        cachedGauss = f * x1
        return f * x2
    }

    /// `randn(d0, d1, ...)`: `count` draws in C order.
    public mutating func randn(count: Int) -> [Double] { (0..<count).map { _ in randn() } }

    /// `uniform(low, high)`: `low + (high − low)·random_sample()`.
    public mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * randomSample()
    }

    /// `choice(n, p=p)` with replacement and one draw, as legacy `RandomState.choice` does it:
    /// validate `p` (non-negative, no NaN, Kahan sum within √ε of 1), `cdf = cumsum(p)`,
    /// `cdf /= cdf[-1]`, then `searchsorted(cdf, random_sample(), side='right')`.
    public mutating func choice(_ n: Int, p: [Double]) throws -> Int {
        guard n > 0 else { throw RNNError(.invalid, "choice", "a must be greater than 0 unless no samples are taken") }
        guard p.count == n else { throw RNNError(.shape, "choice", "a and p must have same size (\(n) vs \(p.count))") }
        // numpy's kahan_sum
        var sum = 0.0, c = 0.0
        for v in p {
            let y = v - c
            let t = sum + y
            c = (t - sum) - y
            sum = t
        }
        guard !sum.isNaN else { throw RNNError(.invalid, "choice", "probabilities contain NaN") }
        guard !p.contains(where: { $0 < 0 }) else { throw RNNError(.invalid, "choice", "probabilities are not non-negative") }
        guard abs(sum - 1.0) <= Double.ulpOfOne.squareRoot() else {
            throw RNNError(.invalid, "choice", "probabilities do not sum to 1 (sum is \(sum))")
        }
        var cdf = [Double](repeating: 0, count: n)
        var acc = 0.0
        for i in 0..<n { acc += p[i]; cdf[i] = acc }
        let last = cdf[n - 1]
        for i in 0..<n { cdf[i] /= last }
        let u = randomSample()
        // searchsorted(side='right'): the first index whose cdf exceeds u.
        var lo = 0, hi = n
        while lo < hi {
            let mid = (lo + hi) / 2
            if cdf[mid] <= u { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}

/// `np.sum` of a contiguous float array, in numpy's own order (`pairwise_sum` in
/// numpy/_core/src/umath/loops_utils.h): under 8 values a plain loop; up to 128, eight running
/// sums combined as ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)) and then the remainder;
/// above, the two halves (split at a multiple of 8) recursively. Programs that mirror numpy
/// bit for bit (min-char-rnn's softmax denominators) sum with it.
public func numpyPairwiseSum<T: RNNFloat>(_ a: ArraySlice<T>) -> T {
    let n = a.count, s = a.startIndex
    if n < 8 {
        var r: T = 0
        for v in a { r += v }
        return r
    }
    if n <= 128 {
        var r = (0..<8).map { a[s + $0] }
        var i = 8
        while i < n - n % 8 {
            for j in 0..<8 { r[j] += a[s + i + j] }
            i += 8
        }
        var res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        while i < n { res += a[s + i]; i += 1 }
        return res
    }
    var n2 = n / 2
    n2 -= n2 % 8
    return numpyPairwiseSum(a[s ..< s + n2]) + numpyPairwiseSum(a[(s + n2)...])
}
