#include "cli/http_client.h"

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>

namespace keyward::cli {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

std::unexpected<Error> connectionError(const Endpoint& ep, const std::string& why) {
  return fail(ErrorKind::kUnavailable, "CONNECTION_FAILED",
              "cannot reach keyward at " + std::string(ep.tls ? "https://" : "http://") + ep.host + ":" + ep.port +
                  ": " + why);
}

void copyHeaders(const bhttp::fields& fields, ClientResponse& out) {
  for (const auto& f : fields) {
    std::string name(f.name_string());
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    out.headers.emplace_back(std::move(name), std::string(f.value()));
  }
}

// Reads a response whose body may be larger than memory: 2xx bodies go to `sink` in pieces.
template <class Stream>
Result<ClientResponse> readStreamed(Stream& stream, beast::flat_buffer& buffer, const Endpoint& ep,
                                    const BodySink& sink, std::chrono::seconds timeout) {
  beast::error_code ec;
  bhttp::response_parser<bhttp::buffer_body> parser;
  parser.body_limit(boost::none);
  bhttp::read_header(stream, buffer, parser, ec);
  if (ec) return connectionError(ep, ec.message());
  ClientResponse out;
  out.status = int(parser.get().result_int());
  copyHeaders(parser.get(), out);
  const bool ok = out.status / 100 == 2;
  constexpr size_t kErrorBodyLimit = 1 << 20;
  std::vector<char> chunk(64 * 1024);
  while (!parser.is_done()) {
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    beast::get_lowest_layer(stream).expires_after(timeout);
    bhttp::read(stream, buffer, parser, ec);
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec) return connectionError(ep, ec.message());
    const std::string_view got(chunk.data(), chunk.size() - parser.get().body().size);
    if (ok) {
      if (!got.empty() && !sink(got)) return fail(ErrorKind::kInternal, "OUTPUT_FAILED", "cannot write the output");
    } else if (out.body.size() < kErrorBodyLimit) {
      out.body.append(got);
    }
  }
  return out;
}

template <class Stream>
Result<ClientResponse> exchange(Stream& stream, const Endpoint& ep, std::string_view method, std::string_view target,
                                std::string_view body, const std::vector<std::pair<std::string, std::string>>& headers,
                                const BodySink* sink, std::chrono::seconds timeout) {
  bhttp::request<bhttp::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(bhttp::field::host, ep.host);
  req.set(bhttp::field::user_agent, "keyward-cli");
  req.set(bhttp::field::connection, "close");
  for (const auto& [k, v] : headers) req.set(k, v);
  if (!body.empty() || method == "POST" || method == "PATCH" || method == "PUT") {
    if (req.find(bhttp::field::content_type) == req.end()) req.set(bhttp::field::content_type, "application/json");
    req.body() = std::string(body);
  }
  req.prepare_payload();
  beast::error_code ec;
  bhttp::write(stream, req, ec);
  if (ec) return connectionError(ep, ec.message());
  beast::flat_buffer buffer;
  if (sink) return readStreamed(stream, buffer, ep, *sink, timeout);
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  bhttp::read(stream, buffer, parser, ec);
  if (ec) return connectionError(ep, ec.message());
  const auto& res = parser.get();
  ClientResponse out;
  out.status = int(res.result_int());
  out.body = res.body();
  copyHeaders(res, out);
  return out;
}

}  // namespace

Result<Endpoint> parseAddress(std::string_view a) {
  Endpoint ep;
  if (a.starts_with("https://")) {
    ep.tls = true;
    a.remove_prefix(8);
  } else if (a.starts_with("http://")) {
    a.remove_prefix(7);
  } else if (a.find("://") != std::string_view::npos) {
    return fail(ErrorKind::kInvalid, "INVALID_ADDRESS", "address must start with http:// or https://");
  }
  while (!a.empty() && a.back() == '/') a.remove_suffix(1);
  std::string_view host = a, port = ep.tls ? "443" : "80";
  if (a.starts_with('[')) {
    const size_t close = a.find(']');
    if (close == std::string_view::npos) return fail(ErrorKind::kInvalid, "INVALID_ADDRESS", "unbalanced [ in address");
    host = a.substr(1, close - 1);
    if (close + 1 < a.size()) {
      if (a[close + 1] != ':') return fail(ErrorKind::kInvalid, "INVALID_ADDRESS", "expected :PORT after ]");
      port = a.substr(close + 2);
    }
  } else if (const size_t colon = a.rfind(':'); colon != std::string_view::npos) {
    host = a.substr(0, colon);
    port = a.substr(colon + 1);
  }
  if (host.empty() || port.empty() || port.find_first_not_of("0123456789") != std::string_view::npos) {
    return fail(ErrorKind::kInvalid, "INVALID_ADDRESS", "address must look like http://HOST:PORT");
  }
  ep.host = host;
  ep.port = port;
  return ep;
}

std::string ClientResponse::header(std::string_view lower_name) const {
  for (const auto& [k, v] : headers)
    if (k == lower_name) return v;
  return {};
}

HttpClient::HttpClient(Endpoint endpoint, std::string ca_file, std::chrono::seconds timeout)
    : endpoint_(std::move(endpoint)), ca_file_(std::move(ca_file)), timeout_(timeout) {}

Result<ClientResponse> HttpClient::request(std::string_view method, std::string_view target, std::string_view body,
                                           const std::vector<std::pair<std::string, std::string>>& headers,
                                           const BodySink* sink) {
  net::io_context ioc;
  beast::error_code ec;
  tcp::resolver resolver(ioc);
  const auto results = resolver.resolve(endpoint_.host, endpoint_.port, ec);
  if (ec) return connectionError(endpoint_, ec.message());
  beast::tcp_stream tcp_stream(ioc);
  tcp_stream.expires_after(timeout_);
  tcp_stream.connect(results, ec);
  if (ec) return connectionError(endpoint_, ec.message());
  if (!endpoint_.tls) return exchange(tcp_stream, endpoint_, method, target, body, headers, sink, timeout_);

  ssl::context ctx(ssl::context::tls_client);
  ctx.set_verify_mode(ssl::verify_peer);
  if (ca_file_.empty()) ctx.set_default_verify_paths(ec);
  else ctx.load_verify_file(ca_file_, ec);
  if (ec) return connectionError(endpoint_, "cannot load trusted certificates: " + ec.message());
  ctx.set_verify_callback(ssl::host_name_verification(endpoint_.host));
  beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp_stream), ctx);
  if (!SSL_set_tlsext_host_name(stream.native_handle(), endpoint_.host.c_str())) {
    return connectionError(endpoint_, "cannot set TLS server name");
  }
  stream.handshake(ssl::stream_base::client, ec);
  if (ec) return connectionError(endpoint_, "TLS handshake failed: " + ec.message());
  return exchange(stream, endpoint_, method, target, body, headers, sink, timeout_);
}

}  // namespace keyward::cli
