#include "common/background.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>

namespace keyward {

void runAsBackgroundThread() {
  // On Linux a nice value belongs to a thread, named here by its kernel thread id. Only ever
  // lowered: a process already started with a higher nice value keeps it.
  const auto self = static_cast<id_t>(gettid());
  errno = 0;
  const int now = getpriority(PRIO_PROCESS, self);
  if (errno == 0 && now < 10) (void)setpriority(PRIO_PROCESS, self, 10);
}

}  // namespace keyward
