// Background threads (usage flush, audit retention, alerts) give way to request threads.
#include "common/background.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

namespace keyward {
namespace {

int niceOfThisThread() { return getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())); }

TEST(Background, ABackgroundThreadRunsAtLowerPriorityAndOthersKeepTheirs) {
  const int before = niceOfThisThread();
  int inside = before;
  std::thread t([&] {
    runAsBackgroundThread();
    inside = niceOfThisThread();
  });
  t.join();
  EXPECT_GE(inside, std::max(before, 10));
  EXPECT_EQ(niceOfThisThread(), before);  // the caller's own priority is untouched
}

}  // namespace
}  // namespace keyward
