// http_client.h — a small blocking HTTP/1.1 client (plain or TLS) for the CLI and tests.
// Thread safety: one HttpClient per thread. Ownership: owns its io_context; opens one
// connection per request (the CLI makes one or two calls per run).
// Beast stays inside http_client.cc so this header is cheap to include.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace keyward::cli {

struct Endpoint {
  bool tls = false;
  std::string host;
  std::string port;
};

// "http://127.0.0.1:8420", "https://keys.example:443", "127.0.0.1:8420" (http assumed).
Result<Endpoint> parseAddress(std::string_view address);

struct ClientResponse {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string header(std::string_view lower_name) const;
};

// Receives a 2xx response's body piece by piece (a streamed export); false stops the read.
using BodySink = std::function<bool(std::string_view chunk)>;

class HttpClient {
 public:
  // `ca_file`: PEM bundle to trust for https (default: the system store).
  explicit HttpClient(Endpoint endpoint, std::string ca_file = {},
                      std::chrono::seconds timeout = std::chrono::seconds(30));

  // With `sink`, a 2xx body goes to the sink as it arrives (any size, the timeout applies to
  // each piece) and the returned body is empty; an error body is still returned whole.
  Result<ClientResponse> request(std::string_view method, std::string_view target, std::string_view body = {},
                                 const std::vector<std::pair<std::string, std::string>>& headers = {},
                                 const BodySink* sink = nullptr);

 private:
  Endpoint endpoint_;
  std::string ca_file_;
  std::chrono::seconds timeout_;
};

}  // namespace keyward::cli
