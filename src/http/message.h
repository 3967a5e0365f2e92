// message.h — the HTTP request and response as plain values, independent of Beast, so the
// router is a pure function that tests can call without sockets.
// Thread safety: plain values. Ownership: each message owns its strings.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/ip.h"
#include "common/result.h"

namespace keyward::http {

struct Header {
  std::string name;  // lower case
  std::string value;
};

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query, not percent-decoded
  std::string query;   // after '?', raw
  std::vector<Header> headers;
  std::string body;
  std::optional<IpAddress> peer;  // the socket peer

  // The first value of a header (name in lower case), or "" when absent.
  std::string_view header(std::string_view lower_name) const {
    for (const auto& h : headers)
      if (h.name == lower_name) return h.value;
    return {};
  }
  bool hasHeader(std::string_view lower_name) const {
    for (const auto& h : headers)
      if (h.name == lower_name) return true;
    return false;
  }
};

// A body produced piece by piece, for responses too large to hold (the audit export). Each
// call returns the next piece, nullopt at the end, or an error — which, the status line
// having gone out already, aborts the connection so the client sees an incomplete reply.
using BodyStream = std::function<Result<std::optional<std::string>>()>;

struct Response;
// Sends the response that a handler gave later (see Response::later): call it once, from
// any thread.
using Reply = std::function<void(Response)>;

struct Response {
  int status = 200;
  std::string_view content_type = "application/json";  // always a literal: no copy per reply
  std::vector<Header> headers;
  std::string body;
  BodyStream stream = nullptr;  // when set, sent with chunked transfer coding instead of `body`
  // When set, this response is only a placeholder: whoever sends it calls `later(reply)`
  // once instead, and the real response comes through `reply`, possibly on another thread
  // (a key creation answers once its group commit is durable, without a thread waiting for
  // it). It must own what it uses: the request may be gone by then.
  std::function<void(Reply)> later = nullptr;

  Response& with(std::string name, std::string value) {
    headers.push_back({std::move(name), std::move(value)});
    return *this;
  }
};

}  // namespace keyward::http
