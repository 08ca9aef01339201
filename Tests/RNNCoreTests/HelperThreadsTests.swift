import Foundation
@testable import RNNBLAS
import Synchronization
import Testing

/// The helper threads that step workers and side-by-side directions run on (`onThreads`):
/// every worker runs once, on a thread of its own, helpers park between calls and are taken
/// again, and concurrent callers do not mix their workers.
@Suite("Helper threads")
struct HelperThreadsTests {
    /// Worker 0 on the calling thread, the others each on another thread, each exactly once.
    @Test func everyWorkerRunsOnceOnAThreadOfItsOwn() {
        let me = pthread_self()
        for count in [1, 2, 3, 5] {
            let ran = Mutex<[Int: [pthread_t]]>([:])
            onThreads(count) { w in ran.withLock { $0[w, default: []].append(pthread_self()) } }
            let seen = ran.withLock { $0 }
            #expect(seen.keys.sorted() == Array(0..<count), "count \(count)")
            #expect(seen.values.allSatisfy { $0.count == 1 }, "count \(count): a worker ran twice")
            #expect(seen[0]?.first == me, "count \(count): worker 0 not on the caller's thread")
            #expect(Set(seen.values.compactMap(\.first)).count == count, "count \(count): two workers shared a thread")
        }
    }

    /// 60 calls one after another start far fewer than 60 helpers: a helper parks after its
    /// job and the next call takes it (other tests, running meanwhile, may take some too).
    @Test func helpersAreTakenAgain() {
        let before = HelperThread.started.load(ordering: .relaxed)
        for _ in 0..<60 { onThreads(2) { _ in } }
        let started = HelperThread.started.load(ordering: .relaxed) - before
        #expect(started < 30, "\(started) helpers started for 60 calls")
    }

    /// Eight callers at once, 40 calls of 3 workers each: every caller's every worker ran 40
    /// times, none of another caller's.
    @Test func concurrentCallersKeepTheirWorkers() {
        let counts = Mutex([[Int]](repeating: [0, 0, 0], count: 8))
        DispatchQueue.concurrentPerform(iterations: 8) { caller in
            for _ in 0..<40 { onThreads(3) { w in counts.withLock { $0[caller][w] += 1 } } }
        }
        #expect(counts.withLock { $0 } == [[Int]](repeating: [40, 40, 40], count: 8))
    }
}
