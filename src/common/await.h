// await.h — waiting for a callback-style operation, for the callers that have nothing else
// to do meanwhile (tests, tools, the synchronous wrappers of the group-committed writes).
// Thread safety: the callback may run on any thread, before or after `start` returns.
// Ownership: the shared state lives until both the waiter and the callback are done with it.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

namespace keyward {

// Calls `start(reply)` and blocks until `reply(value)` has been called, then returns value.
// `reply` must be called exactly once.
template <class T, class Start>
T awaitReply(Start&& start) {
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<T> value;
  };
  auto state = std::make_shared<State>();
  std::forward<Start>(start)([state](T v) {
    std::lock_guard lock(state->mu);
    state->value.emplace(std::move(v));
    state->cv.notify_one();  // under the lock, so the waiter cannot free what we still use
  });
  std::unique_lock lock(state->mu);
  state->cv.wait(lock, [&] { return state->value.has_value(); });
  return std::move(*state->value);
}

}  // namespace keyward
