// Must NOT compile with -Werror: dropping a Result or a Status is an error (result.h makes them
// [[nodiscard]]). tests/common/CMakeLists.txt compiles this file and expects the diagnostic.
#include "common/result.h"

namespace {
keyward::Status save() { return {}; }
keyward::Result<int> count() { return 1; }
}  // namespace

void dropBoth() {
  save();
  count();
}
