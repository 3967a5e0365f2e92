// key_file.h — secret key files kept outside the database (the webhook signing key, the
// JWT master key): read one, or create it when it is missing.
// Thread safety: stateless functions; safe from any thread and from several processes at
// once (creation is O_EXCL, so two servers starting together agree on one file).
// Ownership: values only. The contents are secret: callers never log them.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace keyward::crypto {

struct KeyFileSpec {
  std::string label;  // "webhook key file": starts every error message
  std::string code;   // the Error code, e.g. "WEBHOOK_KEY_FILE"
};

// The file's contents. A missing file is created with mode 0600 holding what `make` returns
// (fsync'ed before use). An existing file readable or writable by group or others is
// refused ("chmod 600"): a key that others could read has leaked.
Result<std::string> loadOrCreateKeyFile(const std::string& path, const KeyFileSpec& spec,
                                        const std::function<Result<std::string>()>& make);

}  // namespace keyward::crypto
