import Foundation
import Synchronization

// The threads that the recurrent loops' extra workers (`StepWorkers.run`), a bidirectional
// layer's second direction (`SideBySide.both`) and a one-worker pass's input projection
// (`InputProjection`) run on. A helper, once started, parks on a semaphore between calls and is
// taken again by the next one, so a call costs a semaphore signal rather than a thread's start
// (and the helper's malloc arena stays warm). Helpers are handed out one call at a time; a call
// that finds none parked starts one, so concurrent callers (the test runner's) never wait for
// each other. At most `keptParked` stay.

/// Runs `body(w)` for every w in 0 ..< count: w = 0 on the calling thread, the others on
/// parked helper threads (started when none is parked); returns when all have returned.
/// OpenBLAS's thread count is the caller's business (`singleThreadedBLAS`), and so are task
/// locals: helpers do not inherit them.
func onThreads(_ count: Int, _ body: (_ w: Int) -> Void) {
    guard count > 1 else { return body(0) }
    withoutActuallyEscaping(body) { body in
        let shared = UncheckedBody(body)
        let group = DispatchGroup()
        // all taken before any starts: a helper done with its job parks at once, and must not
        // be taken for another worker of this call (the workers meet at barriers)
        let helpers = (1..<count).map { _ in HelperThread.take() }
        for (w, helper) in zip(1..., helpers) {
            group.enter()
            helper.start { shared.body(w) } then: { group.leave() }
        }
        body(0)
        group.wait()     // every helper is done with body (and has dropped it) past this point
    }
}

/// The body the helpers share: it only runs between `start` and the group's `leave`, both
/// inside `onThreads`, which outlives them.
private struct UncheckedBody: @unchecked Sendable {
    let body: (Int) -> Void
    init(_ body: @escaping (Int) -> Void) { self.body = body }
}

/// One helper: a thread that waits for a job, runs it, parks itself, then reports it done.
final class HelperThread: @unchecked Sendable {
    /// How many helpers stay parked at most (the rest end after their job): the workers of
    /// two or three concurrent passes on a 2-core machine, with room to spare.
    static let keptParked = 8
    private static let parked = Mutex<[HelperThread]>([])
    /// How many helpers have been started in this process (for tests).
    static let started = Atomic<Int>(0)

    private let wake = DispatchSemaphore(value: 0)
    // Written by the taker before `wake.signal()`, read by the helper after `wake.wait()`.
    private var job: (() -> Void)?
    private var done: (() -> Void)?

    /// A parked helper, or a new one.
    static func take() -> HelperThread {
        if let h = parked.withLock({ $0.popLast() }) { return h }
        let h = HelperThread()
        started.add(1, ordering: .relaxed)
        let thread = Thread { h.loop() }
        thread.start()
        return h
    }

    func start(_ job: @escaping () -> Void, then done: @escaping () -> Void) {
        self.job = job
        self.done = done
        wake.signal()
    }

    private func loop() {
        while true {
            wake.wait()
            job!()
            let done = self.done!
            job = nil
            self.done = nil
            // park before reporting done, so that the caller's next call finds this helper
            let kept = HelperThread.parked.withLock { p -> Bool in
                guard p.count < HelperThread.keptParked else { return false }
                p.append(self)
                return true
            }
            done()
            if !kept { return }
        }
    }
}
