// request_parser.h — an incremental HTTP/1.1 request parser over the http-parser C library
// (Debian's libhttp-parser, the parser Node.js used for a decade): bytes in, one `Request` out
// at a time, with keyward's limits on header and body size.
// Thread safety: none; one parser per connection, used by that connection's I/O thread.
// Ownership: owns the request being assembled; `take()` moves it out, and `recycle()` takes
// a handled one back so its buffers serve a later request.
//
// Why not Beast's parser: driving Beast's composed read operations cost about half of the
// instructions of a verify request (docs/benchmarks.md). This parser copies each piece of the
// request once, into the `Request` the router takes, and allocates nothing else.
#pragma once

#include <http_parser.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "http/message.h"

namespace keyward::http {

// Why a request cannot be parsed, as the problem the server answers with before it closes
// the connection: 400 (not HTTP/1.1), 413 (body over the limit), 431 (headers over it).
struct ParseFailure {
  int status = 400;
  std::string code;
  std::string detail;
};

class RequestParser {
 public:
  RequestParser(std::size_t header_limit, std::size_t body_limit);
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  enum class State { kNeedMore, kComplete, kFailed };

  // Parses up to `size` bytes and returns how many it used. It stops after the end of a
  // request: the bytes left over (pipelined requests) are fed again after `take()`.
  std::size_t feed(const char* data, std::size_t size);

  State state() const { return state_; }
  // Some bytes of a request have arrived (so a timeout ends a request, not an idle wait).
  bool started() const { return started_; }
  bool headersComplete() const { return headers_complete_; }
  // The headers asked for "100 Continue" and the body is still to come.
  bool expectsContinue() const { return expect_continue_ && state_ == State::kNeedMore; }
  // For kFailed: what to answer.
  const ParseFailure& failure() const { return failure_; }
  // The request target as received so far (for the problem's "instance").
  const std::string& target() const { return target_; }

  // For kComplete: the request, whether the connection may stay open after the reply, and
  // a fresh start for the next request.
  Request take();
  bool keepAlive() const { return keep_alive_; }
  // Takes back a request that `take()` returned and that has been answered: its strings and
  // its header list keep their capacity for a later request, so a connection's steady
  // stream of requests allocates nothing per request to hold them.
  void recycle(Request&& used);

 private:
  static int onMessageBegin(http_parser* p);
  static int onUrl(http_parser* p, const char* at, std::size_t n);
  static int onHeaderField(http_parser* p, const char* at, std::size_t n);
  static int onHeaderValue(http_parser* p, const char* at, std::size_t n);
  static int onHeadersComplete(http_parser* p);
  static int onBody(http_parser* p, const char* at, std::size_t n);
  static int onMessageComplete(http_parser* p);
  // Counts header bytes; false (and the failure set) once they pass the limit.
  bool countHeaderBytes(std::size_t n);
  void fail(int status, std::string code, std::string detail);

  const std::size_t header_limit_;
  const std::size_t body_limit_;
  http_parser parser_{};
  http_parser_settings settings_{};
  State state_ = State::kNeedMore;
  ParseFailure failure_;
  Request request_;
  Request spare_;                     // a recycled request, emptied: the next one after request_
  std::vector<std::string> strings_;  // emptied header names and values, capacity kept
  std::string target_;
  std::size_t header_bytes_ = 0;
  bool started_ = false;
  bool headers_complete_ = false;
  bool expect_continue_ = false;
  bool in_value_ = false;  // the last header callback was a value (a new field starts a header)
  bool keep_alive_ = false;
};

}  // namespace keyward::http
