// background.h — marks the calling thread as background work (usage flush, audit retention,
// expiry alerts), so that on a busy core the scheduler prefers the threads that answer
// requests. A flush of many last-use updates takes tens of milliseconds of CPU; at equal
// priority it takes whole scheduler slices from an I/O thread on the same core, and every
// verification waiting in that slice shows it in the tail latency.
// Thread safety: affects only the calling thread. Ownership: none.
#pragma once

namespace keyward {

// Lowers the calling thread's scheduling priority (to nice 10 on Linux, unless it is lower). Best effort: failure
// leaves the thread as it was.
void runAsBackgroundThread();

}  // namespace keyward
