// result.h — the error type shared by every module and Result<T> (std::expected<T, Error>, [[nodiscard]]).
// Thread safety: plain values. Ownership: an Error owns its strings.
// Errors carry a kind (which maps to an HTTP status), a stable machine-readable code that
// clients may switch on, a human message that never contains a secret, and, for input
// errors, the name of the offending field.
#pragma once

#include <expected>
#include <string>
#include <utility>

namespace keyward {

enum class ErrorKind {
  kInvalid,          // 400: the request is malformed or a field is wrong
  kUnauthenticated,  // 401: no or bad credential
  kForbidden,        // 403: credential valid but not permitted
  kNotFound,         // 404: absent, or belongs to another tenant
  kConflict,         // 409: duplicate name, non-empty group, state transition refused
  kTooLarge,         // 413: body over the limit
  kTooManyRequests,  // 429: throttled (e.g. repeated failed sign-ins)
  kUnavailable,      // 503: the store is unreachable or not migrated
  kInternal,         // 500: a bug or an unexpected failure of a dependency
};

struct Error {
  ErrorKind kind = ErrorKind::kInternal;
  std::string code;     // stable, e.g. "NAME_TAKEN"
  std::string message;  // human readable, safe to show to the caller
  std::string field;    // for input errors: the JSON field at fault (dotted path)
};

// std::expected<T, Error> that may not be dropped: GCC 12's std::expected is not
// [[nodiscard]], so an ignored failure would pass without a word. A caller that really does
// not care says so with (void) and a comment.
template <class T>
class [[nodiscard]] Result : public std::expected<T, Error> {
 public:
  using Base = std::expected<T, Error>;
  using Base::Base;
  constexpr Result() = default;
  // From what std::expected's own operations (and_then, transform, ...) return.
  constexpr Result(Base b) : Base(std::move(b)) {}  // NOLINT: implicit on purpose
};
using Status = Result<void>;

inline std::unexpected<Error> fail(ErrorKind kind, std::string code, std::string message, std::string field = {}) {
  return std::unexpected(Error{kind, std::move(code), std::move(message), std::move(field)});
}

inline std::unexpected<Error> invalidField(std::string field, std::string message, std::string code = "INVALID_FIELD") {
  return fail(ErrorKind::kInvalid, std::move(code), std::move(message), std::move(field));
}

inline std::unexpected<Error> notFound(std::string what) {
  return fail(ErrorKind::kNotFound, "NOT_FOUND", std::move(what) + " not found");
}

inline std::unexpected<Error> internalError(std::string message) {
  return fail(ErrorKind::kInternal, "INTERNAL", std::move(message));
}

}  // namespace keyward
