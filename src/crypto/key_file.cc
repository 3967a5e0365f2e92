#include "crypto/key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace keyward::crypto {
namespace {

Error keyFileError(const std::string& path, const KeyFileSpec& spec, const std::string& why) {
  return Error{ErrorKind::kInternal, spec.code, spec.label + " '" + path + "': " + why, ""};
}

// true: created; false: another process created it first (the caller reads theirs).
Result<bool> createKeyFile(const std::string& path, const KeyFileSpec& spec, const std::string& contents) {
  // O_EXCL: two servers starting at once never overwrite each other's key.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return false;
    return std::unexpected(keyFileError(path, spec, std::strerror(errno)));
  }
  const bool ok = ::write(fd, contents.data(), contents.size()) == ssize_t(contents.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return std::unexpected(keyFileError(path, spec, "cannot write"));
  return true;
}

}  // namespace

Result<std::string> loadOrCreateKeyFile(const std::string& path, const KeyFileSpec& spec,
                                        const std::function<Result<std::string>()>& make) {
  for (int tries = 0; tries < 2; ++tries) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
      auto contents = make();
      if (!contents) return contents;
      auto created = createKeyFile(path, spec, *contents);
      if (!created) return std::unexpected(created.error());
      if (*created) return contents;
      continue;
    }
    if (fd < 0) return std::unexpected(keyFileError(path, spec, std::strerror(errno)));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || (st.st_mode & 077) != 0) {
      ::close(fd);
      return std::unexpected(keyFileError(path, spec, "must be readable by its owner only (chmod 600)"));
    }
    char buf[256];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    ::close(fd);
    return std::string(buf, n > 0 ? size_t(n) : 0);
  }
  return std::unexpected(keyFileError(path, spec, "cannot be created"));
}

}  // namespace keyward::crypto
