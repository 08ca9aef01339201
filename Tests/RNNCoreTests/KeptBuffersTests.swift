import Dispatch
import Synchronization
import Testing
@testable import RNNCore

/// `KeptBuffers`: freed tape buffers kept for the next ones of their size. Each test has a shelf
/// of its own (the shared one is in use by every other test running meanwhile).
@Suite("Kept buffers")
struct KeptBuffersTests {
    @Test func aFreedBufferIsTakenAgainByItsSizeOnly() {
        let shelf = KeptBuffers(limit: 1 << 20)
        let p = shelf.allocate(32 << 10)
        shelf.give(p, 32 << 10)
        #expect(shelf.keptBytes == 32 << 10)
        #expect(shelf.take(64 << 10) == nil)
        #expect(shelf.take(32 << 10) == p)
        #expect(shelf.take(32 << 10) == nil)
        #expect(shelf.keptBytes == 0)
        shelf.give(p, 32 << 10)
        #expect(shelf.release() == 32 << 10)
        #expect(shelf.keptBytes == 0 && shelf.take(32 << 10) == nil)
    }

    @Test func theLimitAndTheSmallestSizeHold() {
        let shelf = KeptBuffers(limit: 100 << 10)
        let three = (0..<3).map { _ in shelf.allocate(40 << 10) }
        for p in three { shelf.give(p, 40 << 10) }                              // the third is over the limit: freed
        #expect(shelf.keptBytes == 80 << 10)
        shelf.give(shelf.allocate(8 << 10), 8 << 10)                            // small: straight back to malloc
        #expect(shelf.keptBytes == 80 << 10)
        shelf.limit = 50 << 10                                                   // lowered below what is kept: all freed
        #expect(shelf.keptBytes == 0)
        shelf.limit = 0
        shelf.give(shelf.allocate(40 << 10), 40 << 10)
        #expect(shelf.keptBytes == 0)
    }

    @Test func aTapeBufferMadeFromKeptMemoryIsZeroFilled() {
        let shelf = KeptBuffers(limit: 1 << 20)
        let count = 12_345
        var first: UnsafeMutablePointer<Double>?
        do {
            let a = TapeBuffer<Double>(count: count, shelf: shelf)
            for k in 0..<count { a.pointer[k] = 7 }
            first = a.pointer
        }
        #expect(shelf.keptBytes == count * 8)
        let b = TapeBuffer<Double>(count: count, shelf: shelf)
        #expect(b.pointer == first)                                              // the same memory,
        let nonZero = (0..<count).filter { b[$0] != 0 }.count
        #expect(nonZero == 0)                                                    // zero-filled again
    }

    @Test func concurrentTakersNeverShareABuffer() {
        let shelf = KeptBuffers(limit: 4 << 20)
        let sizes = [16 << 10, 24 << 10, 32 << 10]
        let clashes = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for round in 0..<400 {
                let bytes = sizes[(thread + round) % sizes.count], n = bytes / 8
                let p = shelf.allocate(bytes).bindMemory(to: Int.self, capacity: n)
                let mark = thread * 1_000_000 + round
                for k in 0..<n { p[k] = mark }
                for _ in 0..<10 { _ = (0..<64).reduce(0, &+) }                 // hold it a moment
                if (0..<n).contains(where: { p[$0] != mark }) { clashes.withLock { $0 += 1 } }
                shelf.give(UnsafeMutableRawPointer(p), bytes)
            }
        }
        #expect(clashes.withLock { $0 } == 0)
        #expect(shelf.keptBytes <= 4 << 20)
    }
}
