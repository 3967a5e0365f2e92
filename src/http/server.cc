#include "http/server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/status.hpp>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "common/ascii.h"
#include "http/problem.h"
#include "http/request_parser.h"

namespace keyward::http {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using error_code = boost::system::error_code;
using SteadyClock = std::chrono::steady_clock;
using TimePoint = SteadyClock::time_point;

// How often each I/O thread looks for connections past their deadline. Timeouts are whole
// seconds, so a quarter second of slack is invisible; one timer per thread instead of one
// armed and cancelled around every read and write is what made Beast's tcp_stream costly.
constexpr std::chrono::milliseconds kSweepInterval{250};
constexpr std::size_t kReadChunk = 16 * 1024;

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

// Serializes the status line and headers (and, unless chunked, the body) into one buffer:
// HTTP/1.1, "Server: keyward", Content-Type when there is a body or an error, the handler's
// headers (the last of a name wins), one "Cache-Control: no-store", then Content-Length
// (except on 1xx/204/304) or "Transfer-Encoding: chunked", and "Connection: close" when the
// connection ends. Without `with_body` (the answer to a HEAD request) the header fields are
// those of the full response, Content-Length included, but no body follows (RFC 9110 9.3.2).
// Writes into `out` (cleared first), so a connection reuses one buffer for all its replies.
void serialize(const Response& resp, bool keep_alive, bool chunked, bool with_body, std::string& out) {
  out.clear();
  out.reserve(160 + (chunked ? 0 : resp.body.size()) + resp.headers.size() * 48);
  out += "HTTP/1.1 ";
  out += std::to_string(resp.status);
  out += ' ';
  out += boost::beast::http::obsolete_reason(boost::beast::http::int_to_status(unsigned(resp.status)));
  out += "\r\nServer: keyward\r\n";
  if (chunked || !resp.body.empty() || resp.status >= 400) {
    out += "Content-Type: ";
    out += resp.content_type;
    out += "\r\n";
  }
  for (size_t i = 0; i < resp.headers.size(); ++i) {
    const auto& h = resp.headers[i];
    if (asciiIEquals(h.name, "cache-control")) continue;  // written once below
    bool later = false;                                   // a later header of the same name replaces this one
    for (size_t j = i + 1; j < resp.headers.size() && !later; ++j) later = asciiIEquals(resp.headers[j].name, h.name);
    if (later) continue;
    out += h.name;
    out += ": ";
    out += h.value;
    out += "\r\n";
  }
  out += "Cache-Control: no-store\r\n";
  const int st = resp.status;
  if (chunked) {
    out += "Transfer-Encoding: chunked\r\n";
  } else if (!(st < 200 || st == 204 || st == 304)) {
    out += "Content-Length: ";
    out += std::to_string(resp.body.size());
    out += "\r\n";
  }
  if (!keep_alive) out += "Connection: close\r\n";
  out += "\r\n";
  if (!chunked && with_body) out += resp.body;
}

class Connection {
 public:
  virtual ~Connection() = default;
  virtual void start() = 0;
  // Stopping: close now if waiting for a request, else after the response in flight.
  virtual void shutdownSoon() = 0;
  // Closes the connection if its current wait has passed its deadline.
  virtual void expireIfDue(TimePoint now) = 0;
};

// One I/O thread with its own io_context. A connection lives on one worker for its whole
// life, so its handlers never run concurrently and need no strand.
struct Worker {
  std::mutex mu;  // guards conns: the blocking pool may drop a connection's last reference
  std::unordered_map<const Connection*, std::weak_ptr<Connection>> conns;
  std::atomic<bool> running{false};
  std::thread thread;
  // Destroyed before `conns` and `mu`: destroying the context destroys the handlers that
  // still hold connections, whose destructors unregister here.
  net::io_context ioc{1};
  std::optional<net::executor_work_guard<net::io_context::executor_type>> guard{net::make_work_guard(ioc)};
  net::steady_timer sweep{ioc};
  bool finished = false;  // touched on this worker's thread only

  void add(const std::shared_ptr<Connection>& c) {
    std::lock_guard lock(mu);
    conns.emplace(c.get(), c);
  }
  std::vector<std::shared_ptr<Connection>> live() {
    std::vector<std::shared_ptr<Connection>> out;
    std::lock_guard lock(mu);
    out.reserve(conns.size());
    for (auto& [_, weak] : conns)
      if (auto c = weak.lock()) out.push_back(std::move(c));
    return out;
  }
  bool empty() {
    std::lock_guard lock(mu);
    return conns.empty();
  }
};

}  // namespace

struct Server::Impl {
  Impl(const Router& r, ServerOptions o) : router(r), opt(std::move(o)) {}

  static std::vector<std::unique_ptr<Worker>> makeWorkers(unsigned threads) {
    std::vector<std::unique_ptr<Worker>> out;
    const unsigned n = threads ? threads : std::max(1u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i < n; ++i) out.push_back(std::make_unique<Worker>());
    return out;
  }

  const Router& router;
  ServerOptions opt;
  std::optional<ssl::context> tls;  // before `workers`: their TLS sessions use it
  std::vector<std::unique_ptr<Worker>> workers = makeWorkers(opt.threads);  // outlive `blocking`
  net::thread_pool blocking{std::max(1u, opt.blocking_threads)};
  tcp::acceptor acceptor{workers.front()->ioc};
  net::steady_timer accept_pause{workers.front()->ioc};  // accept handler only
  bool accept_starved = false;                           // accept handler only: out of descriptors, warned once
  std::size_t next_worker = 0;                           // accept handler only
  std::atomic<bool> stopping{false};
  std::atomic<TimePoint::rep> stop_deadline{0};
  std::optional<net::signal_set> signals;

  void accept();
  void beginShutdown();
  void sweep(Worker& w);
  // Ends a stopping worker's loop once it has no connections left.
  void finishIfIdle(Worker& w);
  void unregister(Worker& w, const Connection* c) {
    bool now_empty = false;
    {
      std::lock_guard lock(w.mu);
      w.conns.erase(c);
      now_empty = w.conns.empty();
    }
    if (now_empty && stopping && w.running) net::post(w.ioc, [this, &w] { finishIfIdle(w); });
  }
  void join() {
    for (auto& w : workers)
      if (w->thread.joinable() && w->thread.get_id() != std::this_thread::get_id()) w->thread.join();
  }
};

namespace {

template <class Stream>
class Session final : public Connection, public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, tcp::socket>;

  Session(Server::Impl& server, Worker& worker, tcp::socket socket, std::optional<IpAddress> peer)
      : server_(server),
        worker_(worker),
        stream_(makeStream(std::move(socket), server)),
        parser_(server.opt.header_limit, server.opt.body_limit),
        peer_(peer) {
    in_.resize(kReadChunk);
  }
  ~Session() override { server_.unregister(worker_, this); }

  void start() override {
    if constexpr (kTls) {
      deadline_ = SteadyClock::now() + server_.opt.header_timeout;
      stream_.async_handshake(ssl::stream_base::server, [self = this->shared_from_this()](error_code ec) {
        if (ec) return self->closeSocket();
        self->process();
      });
    } else {
      process();
    }
  }

  void shutdownSoon() override {
    if (idle_) closeSocket();
  }

  void expireIfDue(TimePoint now) override {
    if (now >= deadline_) closeSocket();
  }

 private:
  static Stream makeStream(tcp::socket socket, Server::Impl& server) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *server.tls);
    } else {
      return socket;
    }
  }

  // Parses what is buffered; then answers a complete request, refuses a bad one, or reads on.
  void process() {
    if (in_begin_ < in_end_) {
      in_begin_ += parser_.feed(in_.data() + in_begin_, in_end_ - in_begin_);
      if (in_begin_ == in_end_) in_begin_ = in_end_ = 0;
    }
    switch (parser_.state()) {
      case RequestParser::State::kComplete: return handle();
      case RequestParser::State::kFailed: {
        const ParseFailure& f = parser_.failure();
        return send(problem(f.status, f.code, f.detail, parser_.target()), false);
      }
      case RequestParser::State::kNeedMore: break;
    }
    if (parser_.expectsContinue() && !continue_sent_) {
      continue_sent_ = true;
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      deadline_ = SteadyClock::now() + server_.opt.read_timeout;
      return net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                              [self = this->shared_from_this()](error_code ec, std::size_t) {
                                if (ec) return self->closeSocket();
                                self->read();
                              });
    }
    read();
  }

  void read() {
    idle_ = !parser_.started();
    if (idle_ && server_.stopping) return closeSocket();
    const auto& o = server_.opt;
    const auto wait = parser_.headersComplete()     ? o.read_timeout
                      : parser_.started() || first_ ? o.header_timeout
                                                    : o.idle_timeout;
    deadline_ = SteadyClock::now() + wait;
    stream_.async_read_some(net::buffer(in_.data() + in_end_, in_.size() - in_end_),
                            [self = this->shared_from_this()](error_code ec, std::size_t n) {
                              self->idle_ = false;
                              // The client closed, reset or timed out: nobody to answer.
                              if (ec) return self->closeSocket();
                              self->in_end_ += n;
                              self->process();
                            });
  }

  void handle() {
    const bool keep_alive = parser_.keepAlive();
    Request req = parser_.take();
    head_ = req.method == "HEAD";
    req.peer = peer_;
    first_ = false;
    continue_sent_ = false;
    started_ = SteadyClock::now();
    deadline_ = TimePoint::max();  // the handler's time is not the client's to limit
    if (server_.opt.on_request) {
      logged_.method = req.method;
      logged_.path = req.path;
      logged_.peer = req.peer;
    }
    // Routes marked RunOn::kIoThread (http/routes.h) are answered here; every other one may
    // wait for the database (a durable commit is an fsync) and runs on the blocking pool, so
    // a management request never stalls the verifications queued behind it on this thread,
    // and concurrent key creations reach the store together (group commit).
    if (server_.router.runsInline(req)) {
      Response resp = server_.router.handle(req);
      parser_.recycle(std::move(req));  // before send(): it may parse a pipelined request
      return send(std::move(resp), keep_alive);
    }
    net::post(server_.blocking, [self = this->shared_from_this(), req = std::move(req), keep_alive]() mutable {
      Response resp = self->server_.router.handle(req);
      Reply reply = backOnIoThread<Response>(std::move(self), [keep_alive](Session& s, Response r) {
        s.send(std::move(r), keep_alive);
      });
      if (!resp.later) return reply(std::move(resp));
      // A handler that answers later (a key creation waiting for its group commit): `reply`
      // runs on whichever pool thread commits, and this one is free for the next request.
      auto later = std::move(resp.later);
      later(std::move(reply));
    });
  }

  // A function to call once, from any thread, with a `T`: it runs `then(session, value)` on
  // this connection's I/O thread. It holds the connection alive until then; `self` moves
  // into it, so the calling thread keeps no reference once it has called it.
  template <class T, class Then>
  static auto backOnIoThread(std::shared_ptr<Session> self, Then then) {
    Worker& w = self->worker_;
    return [self = std::move(self), &w, then = std::move(then)](T value) mutable {
      net::post(w.ioc, [self = std::move(self), then = std::move(then), value = std::move(value)]() mutable {
        then(*self, std::move(value));
      });
    };
  }

  // Runs `work` on the blocking pool, then `then(*this, its result)` back on this
  // connection's I/O thread. The connection stays alive in between; `work` may use `this`.
  template <class Work, class Then>
  void offload(Work work, Then then) {
    net::post(server_.blocking,
              [self = this->shared_from_this(), work = std::move(work), then = std::move(then)]() mutable {
                auto result = work();
                backOnIoThread<decltype(result)>(std::move(self), std::move(then))(std::move(result));
              });
  }

  void send(Response resp, bool keep_alive) {
    status_ = resp.status;
    keep_alive_ = keep_alive && !server_.stopping;
    if (resp.stream && !head_) return sendStream(std::move(resp));
    serialize(resp, keep_alive_, resp.stream != nullptr, !head_, out_);
    deadline_ = SteadyClock::now() + server_.opt.read_timeout;
    net::async_write(stream_, net::buffer(out_),
                     [self = this->shared_from_this()](error_code ec, std::size_t) { self->responseDone(ec); });
  }

  void responseDone(error_code ec) {
    if (server_.opt.on_request && !logged_.method.empty()) {
      const double ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - started_).count();
      server_.opt.on_request(logged_, status_, ms);
    }
    logged_.method.clear();
    head_ = false;
    if (out_.capacity() > 64 * 1024) std::string().swap(out_);  // keep no large list reply around
    if (ec) return closeSocket();
    if (!keep_alive_) return close();
    process();  // a pipelined request may be buffered already
  }

  // Status and headers first, then each piece the producer yields as one chunk: nothing
  // larger than a piece is ever held in memory. The producer reads the database, so it runs
  // on the blocking pool, not on this I/O thread.
  void sendStream(Response resp) {
    serialize(resp, keep_alive_, true, true, out_);
    auto producer = std::make_shared<BodyStream>(std::move(resp.stream));
    deadline_ = SteadyClock::now() + server_.opt.read_timeout;
    net::async_write(stream_, net::buffer(out_),
                     [self = this->shared_from_this(), producer](error_code ec, std::size_t) {
                       if (ec) return self->closeSocket();
                       self->nextChunk(producer);
                     });
  }

  void nextChunk(std::shared_ptr<BodyStream> producer) {
    deadline_ = TimePoint::max();
    offload([producer] { return (*producer)(); },
            [producer](Session& s, Result<std::optional<std::string>> piece) mutable {
              s.writeChunk(std::move(producer), std::move(piece));
            });
  }

  void writeChunk(std::shared_ptr<BodyStream> producer, Result<std::optional<std::string>> piece) {
    // An error: abort, so the client cannot take a partial export for a whole one.
    if (!piece) return closeSocket();
    if (*piece && (*piece)->empty()) return nextChunk(std::move(producer));  // "0" would end the body
    out_.clear();
    if (*piece) {
      char size[20];
      const int len = std::snprintf(size, sizeof size, "%zx\r\n", (*piece)->size());
      out_.append(size, std::size_t(len));
      out_ += **piece;
      out_ += "\r\n";
    } else {
      out_ = "0\r\n\r\n";
      producer.reset();
    }
    deadline_ = SteadyClock::now() + server_.opt.read_timeout;
    net::async_write(stream_, net::buffer(out_),
                     [self = this->shared_from_this(), producer](error_code ec, std::size_t) {
                       if (ec) return self->closeSocket();
                       if (producer) return self->nextChunk(producer);
                       self->responseDone(ec);
                     });
  }

  // Ends the connection after a response that said "Connection: close".
  void close() {
    if constexpr (kTls) {
      deadline_ = SteadyClock::now() + std::chrono::seconds(2);
      stream_.async_shutdown([self = this->shared_from_this()](error_code) { self->closeSocket(); });
    } else {
      error_code ec;
      stream_.shutdown(tcp::socket::shutdown_send, ec);
      // Lingering close (RFC 9112 9.6): closing with unread input (the rest of a body over
      // the limit, pipelined requests) resets the connection, and the reset can destroy the
      // response before the client reads it. Discard input until the client closes, for 1 s.
      deadline_ = SteadyClock::now() + std::chrono::seconds(1);
      drain();
    }
  }

  void drain() {
    stream_.async_read_some(net::buffer(in_), [self = this->shared_from_this()](error_code ec, std::size_t) {
      if (ec) return self->closeSocket();
      self->drain();
    });
  }

  void closeSocket() {
    error_code ec;
    stream_.lowest_layer().close(ec);
    deadline_ = TimePoint::max();
  }

  Server::Impl& server_;
  Worker& worker_;
  Stream stream_;
  RequestParser parser_;
  std::vector<char> in_;  // received bytes; [in_begin_, in_end_) not parsed yet
  std::size_t in_begin_ = 0;
  std::size_t in_end_ = 0;
  std::string out_;  // the response (or chunk) being written
  std::optional<IpAddress> peer_;
  Request logged_;  // method, path and peer of the request in flight, for the access log
  TimePoint deadline_ = TimePoint::max();
  TimePoint started_;
  int status_ = 0;
  bool keep_alive_ = false;
  bool idle_ = false;  // waiting for a request with nothing of it received
  bool first_ = true;
  bool continue_sent_ = false;
  bool head_ = false;  // the request being answered is a HEAD: its response has no body
};

}  // namespace

void Server::Impl::accept() {
  Worker& target = *workers[next_worker++ % workers.size()];
  acceptor.async_accept(target.ioc, [this, &target](error_code ec, tcp::socket socket) {
    if (ec) {
      if (stopping || ec == net::error::operation_aborted) return;
      if (ec == net::error::no_descriptors || ec == std::errc::too_many_files_open_in_system ||
          ec == net::error::no_buffer_space || ec == net::error::no_memory) {
        // The connection stays in the listen queue, so accepting again at once fails again:
        // that loop took a whole core. Pause; connections that close meanwhile free
        // descriptors, and the queued clients are accepted after the pause.
        if (opt.on_warning && !accept_starved) {
          opt.on_warning("cannot accept connections: " + ec.message() +
                         " (raise the open-file limit, ulimit -n); retrying in 100 ms");
        }
        accept_starved = true;
        accept_pause.expires_after(std::chrono::milliseconds(100));
        accept_pause.async_wait([this](error_code wait_ec) {
          if (!wait_ec && !stopping) accept();
        });
        return;
      }
      accept();
      return;
    }
    if (stopping) return;
    if (accept_starved && opt.on_warning) opt.on_warning("accepting connections again");
    accept_starved = false;
    error_code pec;
    const auto endpoint = socket.remote_endpoint(pec);
    std::optional<IpAddress> peer = pec ? std::nullopt : toIp(endpoint.address());
    socket.set_option(tcp::no_delay(true), pec);
    std::shared_ptr<Connection> c;
    if (tls) {
      c = std::make_shared<Session<ssl::stream<tcp::socket>>>(*this, target, std::move(socket), peer);
    } else {
      c = std::make_shared<Session<tcp::socket>>(*this, target, std::move(socket), peer);
    }
    target.add(c);
    net::post(target.ioc, [c] { c->start(); });
    accept();
  });
}

void Server::Impl::sweep(Worker& w) {
  w.sweep.expires_after(kSweepInterval);
  w.sweep.async_wait([this, &w](error_code ec) {
    if (ec || w.finished) return;
    const TimePoint now = SteadyClock::now();
    if (stopping && now.time_since_epoch().count() >= stop_deadline.load()) {
      w.ioc.stop();  // in-flight requests had shutdown_timeout to finish
      return;
    }
    for (auto& c : w.live()) c->expireIfDue(now);
    sweep(w);
  });
}

void Server::Impl::finishIfIdle(Worker& w) {
  if (w.finished || !stopping || !w.empty()) return;
  w.finished = true;
  w.sweep.cancel();
  w.guard.reset();  // the loop ends when its last handler has run
}

void Server::Impl::beginShutdown() {
  if (stopping) return;
  // The deadline is set before `stopping`, which the sweep reads first.
  stop_deadline = (SteadyClock::now() + opt.shutdown_timeout).time_since_epoch().count();
  if (stopping.exchange(true)) return;
  net::post(acceptor.get_executor(), [this] {
    error_code ec;
    acceptor.close(ec);
    accept_pause.cancel();
    if (signals) signals->cancel();
  });
  for (auto& w : workers) {
    Worker* wp = w.get();
    net::post(wp->ioc, [this, wp] {
      for (auto& c : wp->live()) c->shutdownSoon();
      finishIfIdle(*wp);
    });
  }
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
    error_code ec;
    im.tls->use_certificate_chain_file(im.opt.tls_cert_file, ec);
    if (ec)
      return fail(ErrorKind::kInvalid, "TLS_CONFIG",
                  "cannot load TLS certificate '" + im.opt.tls_cert_file + "': " + ec.message());
    im.tls->use_private_key_file(im.opt.tls_key_file, ssl::context::pem, ec);
    if (ec)
      return fail(ErrorKind::kInvalid, "TLS_CONFIG",
                  "cannot load TLS key '" + im.opt.tls_key_file + "': " + ec.message());
  }
  error_code ec;
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
  for (auto& w : im.workers) {
    Worker* wp = w.get();
    im.sweep(*wp);
    wp->running = true;
    wp->thread = std::thread([wp] {
      wp->ioc.run();
      wp->running = false;
    });
  }
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
  im.signals.emplace(im.workers.front()->ioc, SIGINT, SIGTERM);
  im.signals->async_wait([&im](error_code ec, int) {
    if (!ec) im.beginShutdown();
  });
  if (im.stopping) im.signals->cancel();
  if (on_ready) on_ready();
  im.join();
}

}  // namespace keyward::http
