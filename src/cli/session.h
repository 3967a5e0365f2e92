// session.h — how one CLI command talks to the server: a Session makes the command's
// requests and reports every failure once (message on stderr, exit status set), so commands
// only handle the success path; guarded() keeps exceptions out of CLI11's parse().
// Thread safety: used from main() only. Ownership: a Session borrows the command's Globals and
// the exit status (both outlive it) and owns the HttpClient it opens on its first call.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "cli/common_options.h"
#include "cli/http_client.h"

namespace keyward::cli {

namespace json = boost::json;

inline constexpr int kExitOk = 0;
inline constexpr int kExitRefused = 1;  // the server answered with an error, or a key is not valid
inline constexpr int kExitUsage = 2;    // bad invocation, or no usable answer from the server

struct Reply {
  int status = 0;
  std::string body;
  json::value doc;  // the parsed body; null when the body is empty
};

// Runs the requests of one command. Every failure is reported here, once: the message goes
// to stderr and the exit status is set, so commands only handle the success path.
class Session {
 public:
  Session(const Globals& g, int& exit_code) : g_(g), exit_code_(exit_code) {}

  // `json_reply`: the success body must be JSON (every endpoint but the JSON Lines export).
  // With `sink`, a successful reply's body is handed to it as it arrives (Reply::body empty).
  std::optional<Reply> call(std::string_view method, const std::string& target, const json::object* body = nullptr,
                            bool json_reply = true, const BodySink* sink = nullptr);

  std::nullopt_t usage(std::string_view message) { return failed(kExitUsage, "error: " + std::string(message)); }

  // For --json: the server's body exactly as received, so scripts see what the API documents.
  void printRaw(const Reply& r) const;

  bool json() const { return g_.json; }
  void setExit(int code) { exit_code_ = code; }

 private:
  std::nullopt_t failed(int code, const std::string& message);

  // RFC 9457 problem body: detail, code and, for input errors, the field at fault.
  std::nullopt_t refused(const Reply& r);

  const Globals& g_;
  int& exit_code_;
  std::optional<HttpClient> client_;
};

// CLI11 runs callbacks inside parse(); an exception escaping there would abort the process
// with a stack of CLI11 frames. Anything unexpected becomes an ordinary error message.
std::function<void()> guarded(int& exit_code, std::function<void()> fn);

}  // namespace keyward::cli
