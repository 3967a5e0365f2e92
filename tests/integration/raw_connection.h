// raw_connection.h — one plain TCP connection to a test server, for the HTTP behaviours
// the blocking client hides: keep-alive, pipelining, Expect: 100-continue, and whether the
// server closed the connection. Thread safety: one thread. Ownership: owns the socket.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keyward::testing {

struct RawResponse {
  int status = 0;
  std::string body;
  bool keep_alive = false;
  std::string header(std::string_view name) const {
    for (const auto& [k, v] : headers)
      if (boost::beast::iequals(k, name)) return v;
    return {};
  }
  std::vector<std::pair<std::string, std::string>> headers;
};

class RawConnection {
 public:
  explicit RawConnection(unsigned short port, std::chrono::seconds timeout = std::chrono::seconds(30))
      : stream_(ioc_), timeout_(timeout) {
    stream_.expires_after(timeout_);
    const boost::asio::ip::tcp::endpoint ep(boost::asio::ip::make_address("127.0.0.1"), port);
    stream_.connect(ep, error_);
  }

  bool connected() const { return !error_; }
  const boost::beast::error_code& error() const { return error_; }

  bool send(std::string_view bytes) {
    stream_.expires_after(timeout_);
    boost::asio::write(stream_, boost::asio::buffer(bytes.data(), bytes.size()), error_);
    return !error_;
  }

  // Reads one response (a 1xx interim response counts as one). nullopt on error(). The
  // answer to a HEAD request has header fields only: pass `to_head` so none is expected.
  std::optional<RawResponse> read(bool to_head = false) {
    stream_.expires_after(timeout_);
    boost::beast::http::response_parser<boost::beast::http::string_body> parser;
    parser.body_limit(16 * 1024 * 1024);
    parser.skip(to_head);
    boost::beast::http::read(stream_, buffer_, parser, error_);
    if (error_) return std::nullopt;
    const auto& msg = parser.get();
    RawResponse r;
    r.status = int(msg.result_int());
    r.body = msg.body();
    r.keep_alive = msg.keep_alive();
    for (const auto& f : msg) r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    return r;
  }

  // True when the server has closed the connection: end of stream or reset, with no
  // further bytes. False when bytes arrive or nothing happens within the timeout.
  bool closedByServer() {
    if (buffer_.size() > 0) return false;
    stream_.expires_after(timeout_);
    char byte;
    stream_.read_some(boost::asio::buffer(&byte, 1), error_);
    return error_ == boost::beast::http::error::end_of_stream || error_ == boost::asio::error::eof ||
           error_ == boost::asio::error::connection_reset;
  }

 private:
  boost::asio::io_context ioc_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::chrono::seconds timeout_;
  boost::beast::error_code error_;
};

}  // namespace keyward::testing
