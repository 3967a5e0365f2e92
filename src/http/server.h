// server.h — the HTTP/1.1 (optionally TLS) server on Asio that feeds the router.
// Thread safety: start() once, then stop() from any thread (e.g. a signal handler's strand).
// Ownership: borrows the router; owns its io_context, threads, acceptor and sessions.
// Asio stays inside server.cc (pimpl) so including this header stays cheap.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "common/result.h"
#include "http/router.h"

namespace keyward::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 8420;  // 0: pick a free port
  unsigned threads = 0;        // 0: one per core
  // Threads that run management requests (everything but verify, authz, healthz and
  // version), which may block on the database. Key creations do not hold one while their
  // group commit is pending (Response::later).
  unsigned blocking_threads = 16;
  std::size_t body_limit = 64 * 1024;
  std::size_t header_limit = 16 * 1024;
  std::chrono::seconds header_timeout{10};  // first request line and headers
  std::chrono::seconds read_timeout{30};    // the body, once headers are in
  std::chrono::seconds idle_timeout{60};    // keep-alive wait between requests
  std::chrono::seconds shutdown_timeout{15};
  std::string tls_cert_file;  // both set: serve HTTPS
  std::string tls_key_file;
  // Called once per request after the response is written (access log); may be empty.
  std::function<void(const Request&, int status, double millis)> on_request;
  // Called with a problem the server works around, such as running out of file descriptors
  // (for the log); may be empty.
  std::function<void(std::string_view)> on_warning;
};

class Server {
 public:
  Server(const Router& router, ServerOptions options);
  ~Server();

  // Binds and starts the I/O threads; returns the bound port.
  Result<unsigned short> start();
  // Stops accepting, lets in-flight requests finish (up to shutdown_timeout), closes idle
  // connections and joins the threads. Idempotent.
  void stop();
  // Blocks until SIGINT or SIGTERM, then stop(). `on_ready` runs once the signals are
  // caught, so whatever it announces ("listening on ...") can be followed by a SIGTERM
  // that shuts down gracefully rather than killing the process.
  void waitForSignal(const std::function<void()>& on_ready = {});

  struct Impl;  // public only so server.cc's session classes can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace keyward::http
