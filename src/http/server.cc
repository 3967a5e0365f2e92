#include "http/server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "http/problem.h"

namespace keyward::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

std::optional<IpAddress> toIp(const net::ip::address& a) {
  IpAddress ip;
  if (a.is_v4()) {
    const auto b = net::ip::make_address_v6(net::ip::v4_mapped, a.to_v4()).to_bytes();
    std::memcpy(ip.bytes.data(), b.data(), 16);
  } else {
    const auto b = a.to_v6().to_bytes();
    std::memcpy(ip.bytes.data(), b.data(), 16);
  }
  return ip;
}

// Serializes a response into one buffer: status line, headers, body. Beast's serializer
// walks header fields and body through nested buffer-sequence iterators; on the verify path
// that cost ~27 k instructions per response, more than the rest of the request. The output
// matches what the Beast message carried: HTTP/1.1, "Server: keyward", Content-Type when
// there is a body or an error, the handler's headers (the last of a name wins), one
// "Cache-Control: no-store", Content-Length except on 1xx/204/304, "Connection: close" when
// the connection ends.
bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

std::string serialize(Response& resp, bool keep_alive) {
  std::string out;
  out.reserve(160 + resp.body.size() + resp.headers.size() * 48);
  out += "HTTP/1.1 ";
  out += std::to_string(resp.status);
  out += ' ';
  out += bhttp::obsolete_reason(bhttp::int_to_status(unsigned(resp.status)));
  out += "\r\nServer: keyward\r\n";
  if (!resp.body.empty() || resp.status >= 400) {
    out += "Content-Type: ";
    out += resp.content_type;
    out += "\r\n";
  }
  for (size_t i = 0; i < resp.headers.size(); ++i) {
    const auto& h = resp.headers[i];
    if (iequal(h.name, "cache-control")) continue;  // written once below
    bool later = false;  // Beast's set(): a later header of the same name replaces this one
    for (size_t j = i + 1; j < resp.headers.size() && !later; ++j) later = iequal(resp.headers[j].name, h.name);
    if (later) continue;
    out += h.name;
    out += ": ";
    out += h.value;
    out += "\r\n";
  }
  out += "Cache-Control: no-store\r\n";
  const int st = resp.status;
  if (!(st < 200 || st == 204 || st == 304)) {
    out += "Content-Length: ";
    out += std::to_string(resp.body.size());
    out += "\r\n";
  }
  if (!keep_alive) out += "Connection: close\r\n";
  out += "\r\n";
  out += resp.body;
  return out;
}

// Endpoints answered on the I/O thread: the verify hot path and the trivial probes. Every
// other endpoint may wait for the database (a durable commit is an fsync) and runs on the
// blocking pool, so a management request never stalls the verifications queued behind it on
// the same I/O thread, and concurrent key creations reach the store together (group commit).
bool answeredInline(const Request& req) {
  return req.path == "/v1/keys/verify" || req.path == "/v1/authz" || req.path == "/healthz" ||
         req.path == "/v1/version";
}

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void shutdownSoon() = 0;
};

}  // namespace

struct Server::Impl {
  Impl(const Router& r, ServerOptions o) : router(r), opt(std::move(o)) {}

  const Router& router;
  ServerOptions opt;
  // One I/O thread (the benchmark's setting) tells Asio so; it then skips waking other threads.
  net::io_context ioc{opt.threads == 1 ? 1 : BOOST_ASIO_CONCURRENCY_HINT_DEFAULT};
  net::thread_pool blocking{std::max(1u, opt.blocking_threads)};
  std::optional<ssl::context> tls;
  tcp::acceptor acceptor{net::make_strand(ioc)};
  std::vector<std::thread> threads;
  std::atomic<bool> stopping{false};
  std::optional<net::signal_set> signals;
  net::steady_timer shutdown_timer{net::make_strand(ioc)};  // touched only on its strand

  std::mutex sessions_mu;
  std::uint64_t next_session = 0;
  std::unordered_map<std::uint64_t, std::weak_ptr<SessionBase>> sessions;

  void accept();
  void beginShutdown();
  void join();
  std::uint64_t track(std::weak_ptr<SessionBase> s) {
    std::lock_guard lock(sessions_mu);
    sessions.emplace(++next_session, std::move(s));
    return next_session;
  }
  void untrack(std::uint64_t id) {
    std::lock_guard lock(sessions_mu);
    sessions.erase(id);
    // The last connection gone during shutdown: nothing left to wait for.
    if (sessions.empty() && stopping) net::post(shutdown_timer.get_executor(), [this] { shutdown_timer.cancel(); });
  }
};

namespace {

template <class Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Server::Impl& server, Stream stream) : server_(server), stream_(std::move(stream)) {}
  ~Session() override { server_.untrack(id_); }

  void run(std::optional<IpAddress> peer) {
    peer_ = peer;
    id_ = server_.track(this->weak_from_this());
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] { self->start(); });
  }

  void shutdownSoon() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      // Waiting for a next request: close now. Mid-request: close after the response.
      if (self->idle_) self->closeSocket();
    });
  }

 private:
  void start() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      readHeader();
    } else {
      beast::get_lowest_layer(stream_).expires_after(server_.opt.header_timeout);
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->closeSocket();
                                self->readHeader();
                              });
    }
  }

  void readHeader() {
    if (server_.stopping) return close();
    parser_.emplace();
    parser_->body_limit(server_.opt.body_limit);
    parser_->header_limit(std::uint32_t(server_.opt.header_limit));
    idle_ = buffer_.size() == 0;
    beast::get_lowest_layer(stream_).expires_after(first_ ? server_.opt.header_timeout : server_.opt.idle_timeout);
    first_ = false;
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                               self->onHeader(ec);
                             });
  }

  void onHeader(beast::error_code ec) {
    idle_ = false;
    if (ec) return onReadError(ec);
    started_ = std::chrono::steady_clock::now();
    beast::get_lowest_layer(stream_).expires_after(server_.opt.read_timeout);
    const auto& req = parser_->get();
    if (auto it = req.find(bhttp::field::expect); it != req.end() && beast::iequals(it->value(), "100-continue")) {
      if (parser_->content_length() && *parser_->content_length() > server_.opt.body_limit) {
        return sendError(413, "BODY_TOO_LARGE", bodyLimitMessage());
      }
      continue_ = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, 11);
      return bhttp::async_write(stream_, *continue_,
                                [self = this->shared_from_this()](beast::error_code ec2, std::size_t) {
                                  if (ec2) return self->closeSocket();
                                  self->readBody();
                                });
    }
    readBody();
  }

  void readBody() {
    bhttp::async_read(stream_, buffer_, *parser_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->onReadError(ec);
      self->handle();
    });
  }

  std::string bodyLimitMessage() const {
    return "the request body exceeds the limit of " + std::to_string(server_.opt.body_limit) + " bytes";
  }

  void onReadError(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) return sendError(413, "BODY_TOO_LARGE", bodyLimitMessage());
    if (ec == bhttp::error::header_limit) {
      return sendError(431, "HEADERS_TOO_LARGE", "the request headers are too large");
    }
    if (ec.category() == bhttp::make_error_code(bhttp::error::end_of_stream).category() &&
        ec != bhttp::error::end_of_stream &&
        ec != bhttp::error::partial_message) {
      return sendError(400, "BAD_REQUEST", "the request is not valid HTTP/1.1");
    }
    closeSocket();  // timeout, reset, or the client closed: nothing to answer
  }

  void handle() {
    auto& breq = parser_->get();
    Request req;
    req.method = std::string(breq.method_string());
    const std::string_view target = breq.target();
    const size_t q = target.find('?');
    req.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) req.query = std::string(target.substr(q + 1));
    req.headers.reserve(8);
    for (const auto& f : breq) {
      std::string name(f.name_string());
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return char(std::tolower(c)); });
      req.headers.push_back({std::move(name), std::string(f.value())});
    }
    req.body = std::move(breq.body());
    req.peer = peer_;
    const bool keep_alive = breq.keep_alive();
    if (answeredInline(req)) {
      Response resp = server_.router.handle(req);
      send(std::move(resp), keep_alive, &req);
      return;
    }
    auto shared = std::make_shared<Request>(std::move(req));
    net::post(server_.blocking, [self = this->shared_from_this(), shared, keep_alive] {
      Response resp = self->server_.router.handle(*shared);
      net::post(self->stream_.get_executor(), [self, shared, keep_alive, resp = std::move(resp)]() mutable {
        self->send(std::move(resp), keep_alive, shared.get());
      });
    });
  }

  void sendError(int status, std::string_view code, std::string detail) {
    send(problem(status, code, detail, parser_ ? std::string(parser_->get().target()) : std::string()), false,
         nullptr);
  }

  void send(Response resp, bool keep_alive, const Request* req) {
    if (resp.stream) return sendStream(std::move(resp), keep_alive);
    keep_alive_ = keep_alive && !server_.stopping;
    response_ = serialize(resp, keep_alive_);
    const int status = resp.status;
    std::optional<Request> logged;
    if (req && server_.opt.on_request) {
      logged.emplace();
      logged->method = req->method;
      logged->path = req->path;
      logged->peer = req->peer;
    }
    beast::get_lowest_layer(stream_).expires_after(server_.opt.read_timeout);
    net::async_write(stream_, net::buffer(response_),
                     [self = this->shared_from_this(), logged = std::move(logged), status](beast::error_code ec,
                                                                                          std::size_t) {
                       if (logged) {
                         const double ms = std::chrono::duration<double, std::milli>(
                                               std::chrono::steady_clock::now() - self->started_)
                                               .count();
                         self->server_.opt.on_request(*logged, status, ms);
                       }
                       self->response_.clear();
                       if (ec || !self->keep_alive_) return self->close();
                       self->readHeader();
                     });
  }

  // Status and headers first, then each piece the producer yields as one chunk: nothing
  // larger than a piece is ever held in memory.
  void sendStream(Response resp, bool keep_alive) {
    auto head = std::make_shared<bhttp::response<bhttp::empty_body>>();
    head->version(11);
    head->result(unsigned(resp.status));
    head->set(bhttp::field::server, "keyward");
    head->set(bhttp::field::content_type, resp.content_type);
    for (auto& h : resp.headers) head->set(h.name, h.value);
    head->set(bhttp::field::cache_control, "no-store");
    head->keep_alive(keep_alive && !server_.stopping);
    head->chunked(true);
    auto serializer = std::make_shared<bhttp::response_serializer<bhttp::empty_body>>(*head);
    auto producer = std::make_shared<BodyStream>(std::move(resp.stream));
    const bool again = head->keep_alive();
    beast::get_lowest_layer(stream_).expires_after(server_.opt.read_timeout);
    bhttp::async_write_header(stream_, *serializer,
                              [self = this->shared_from_this(), head, serializer, producer, again](
                                  beast::error_code ec, std::size_t) {
                                if (ec) return self->close();
                                self->writeChunk(producer, again);
                              });
  }

  void writeChunk(std::shared_ptr<BodyStream> producer, bool again) {
    auto piece = (*producer)();
    beast::get_lowest_layer(stream_).expires_after(server_.opt.read_timeout);
    if (!piece) return closeSocket();  // abort: the client must not take a partial export as whole
    if (!*piece) {
      return net::async_write(stream_, bhttp::make_chunk_last(),
                              [self = this->shared_from_this(), again](beast::error_code ec, std::size_t) {
                                if (ec || !again) return self->close();
                                self->readHeader();
                              });
    }
    auto data = std::make_shared<std::string>(std::move(**piece));
    if (data->empty()) return writeChunk(producer, again);  // an empty chunk would end the body
    net::async_write(stream_, bhttp::make_chunk(net::buffer(*data)),
                     [self = this->shared_from_this(), data, producer, again](beast::error_code ec, std::size_t) {
                       if (ec) return self->close();
                       self->writeChunk(producer, again);
                     });
  }

  void close() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
      // Lingering close (RFC 9112 9.6): closing with unread input (the rest of a body over
      // the limit, pipelined requests) resets the connection, and the reset can destroy the
      // response before the client reads it. Discard input until the client closes, for 1 s.
      stream_.expires_after(std::chrono::seconds(1));
      drain();
    } else {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) { self->closeSocket(); });
    }
  }

  void drain() {
    stream_.async_read_some(net::buffer(drain_buffer_), [self = this->shared_from_this()](beast::error_code ec,
                                                                                           std::size_t) {
      if (ec) return self->closeSocket();
      self->drain();
    });
  }

  void closeSocket() {
    beast::error_code ec;
    beast::get_lowest_layer(stream_).socket().close(ec);
  }

  Server::Impl& server_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::string response_;  // the serialized response being written
  bool keep_alive_ = false;
  std::shared_ptr<bhttp::response<bhttp::empty_body>> continue_;
  std::array<char, 4096> drain_buffer_{};
  std::optional<IpAddress> peer_;
  std::uint64_t id_ = 0;
  bool idle_ = false;
  bool first_ = true;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace

void Server::Impl::accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (!stopping && ec != net::error::operation_aborted) accept();
      return;
    }
    if (stopping) return;
    beast::error_code pec;
    const auto endpoint = socket.remote_endpoint(pec);
    std::optional<IpAddress> peer = pec ? std::nullopt : toIp(endpoint.address());
    socket.set_option(tcp::no_delay(true), pec);
    if (tls) {
      std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
          *this, beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)), *tls))
          ->run(peer);
    } else {
      std::make_shared<Session<beast::tcp_stream>>(*this, beast::tcp_stream(std::move(socket)))->run(peer);
    }
    accept();
  });
}

void Server::Impl::beginShutdown() {
  if (stopping.exchange(true)) return;
  net::post(acceptor.get_executor(), [this] {
    beast::error_code ec;
    acceptor.close(ec);
  });
  if (signals) net::post(ioc, [this] { signals->cancel(); });
  std::vector<std::shared_ptr<SessionBase>> live;
  {
    std::lock_guard lock(sessions_mu);
    for (auto& [_, weak] : sessions)
      if (auto s = weak.lock()) live.push_back(std::move(s));
  }
  for (auto& s : live) s->shutdownSoon();
  // In-flight requests get shutdown_timeout to finish; then the loop is stopped outright.
  net::post(shutdown_timer.get_executor(), [this] {
    shutdown_timer.expires_after(opt.shutdown_timeout);
    shutdown_timer.async_wait([this](beast::error_code ec) {
      if (!ec) ioc.stop();
    });
    std::lock_guard lock(sessions_mu);
    if (sessions.empty()) shutdown_timer.cancel();
  });
}

void Server::Impl::join() {
  for (auto& t : threads)
    if (t.joinable() && t.get_id() != std::this_thread::get_id()) t.join();
}

Server::Server(const Router& router, ServerOptions options)
    : impl_(std::make_unique<Impl>(router, std::move(options))) {}

Server::~Server() { stop(); }

Result<unsigned short> Server::start() {
  auto& im = *impl_;
  if (!im.opt.tls_cert_file.empty() || !im.opt.tls_key_file.empty()) {
    if (im.opt.tls_cert_file.empty() || im.opt.tls_key_file.empty()) {
      return fail(ErrorKind::kInvalid, "TLS_CONFIG", "TLS needs both tls_cert_file and tls_key_file");
    }
    im.tls.emplace(ssl::context::tls_server);
    im.tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                        ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    beast::error_code ec;
    im.tls->use_certificate_chain_file(im.opt.tls_cert_file, ec);
    if (ec) return fail(ErrorKind::kInvalid, "TLS_CONFIG", "cannot load TLS certificate '" + im.opt.tls_cert_file + "': " + ec.message());
    im.tls->use_private_key_file(im.opt.tls_key_file, ssl::context::pem, ec);
    if (ec) return fail(ErrorKind::kInvalid, "TLS_CONFIG", "cannot load TLS key '" + im.opt.tls_key_file + "': " + ec.message());
  }
  beast::error_code ec;
  const auto address = net::ip::make_address(im.opt.host, ec);
  if (ec) return fail(ErrorKind::kInvalid, "LISTEN_ADDRESS", "invalid listen host '" + im.opt.host + "'");
  const tcp::endpoint endpoint(address, im.opt.port);
  im.acceptor.open(endpoint.protocol(), ec);
  if (!ec) im.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) im.acceptor.bind(endpoint, ec);
  if (!ec) im.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return fail(ErrorKind::kUnavailable, "LISTEN_FAILED",
                "cannot listen on " + im.opt.host + ":" + std::to_string(im.opt.port) + ": " + ec.message());
  }
  const unsigned short port = im.acceptor.local_endpoint().port();
  im.accept();
  unsigned n = im.opt.threads ? im.opt.threads : std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < n; ++i) im.threads.emplace_back([&im] { im.ioc.run(); });
  return port;
}

void Server::stop() {
  impl_->beginShutdown();
  impl_->join();
  // Management requests still running finish here (their replies go nowhere: the I/O
  // threads are gone); nothing they reference may be destroyed before.
  impl_->blocking.join();
}

void Server::waitForSignal(const std::function<void()>& on_ready) {
  auto& im = *impl_;
  im.signals.emplace(im.ioc, SIGINT, SIGTERM);
  im.signals->async_wait([&im](beast::error_code ec, int) {
    if (!ec) im.beginShutdown();
  });
  if (im.stopping) im.signals->cancel();
  if (on_ready) on_ready();
  im.join();
}

}  // namespace keyward::http
