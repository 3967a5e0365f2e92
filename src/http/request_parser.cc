#include "http/request_parser.h"

#include <utility>

#include "common/ascii.h"

namespace keyward::http {
namespace {

RequestParser& self(http_parser* p) { return *static_cast<RequestParser*>(p->data); }

}  // namespace

RequestParser::RequestParser(std::size_t header_limit, std::size_t body_limit)
    : header_limit_(header_limit), body_limit_(body_limit) {
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
  request_.headers.reserve(8);
  http_parser_settings_init(&settings_);
  settings_.on_message_begin = &RequestParser::onMessageBegin;
  settings_.on_url = &RequestParser::onUrl;
  settings_.on_header_field = &RequestParser::onHeaderField;
  settings_.on_header_value = &RequestParser::onHeaderValue;
  settings_.on_headers_complete = &RequestParser::onHeadersComplete;
  settings_.on_body = &RequestParser::onBody;
  settings_.on_message_complete = &RequestParser::onMessageComplete;
}

std::size_t RequestParser::feed(const char* data, std::size_t size) {
  if (state_ != State::kNeedMore || size == 0) return 0;
  const std::size_t used = http_parser_execute(&parser_, &settings_, data, size);
  if (state_ == State::kComplete) return used;  // paused at the end of the request
  if (state_ == State::kFailed) return used;    // set by a callback (a limit)
  const auto err = HTTP_PARSER_ERRNO(&parser_);
  if (err == HPE_HEADER_OVERFLOW) {
    fail(431, "HEADERS_TOO_LARGE", "the request headers are too large");
  } else if (err != HPE_OK) {
    fail(400, "BAD_REQUEST", std::string("the request is not valid HTTP/1.1: ") + http_errno_description(err));
  } else if (parser_.upgrade) {
    // A protocol upgrade (or CONNECT) that we do not offer: the parser stops at it.
    fail(400, "BAD_REQUEST", "protocol upgrades are not supported");
  }
  return used;
}

Request RequestParser::take() {
  Request out = std::move(request_);
  request_ = std::move(spare_);  // empty; with capacity if one was recycled
  spare_ = Request{};
  if (request_.headers.capacity() == 0) request_.headers.reserve(8);  // one allocation for a typical request's headers
  target_.clear();
  header_bytes_ = 0;
  started_ = false;
  headers_complete_ = false;
  expect_continue_ = false;
  in_value_ = false;
  state_ = State::kNeedMore;
  http_parser_pause(&parser_, 0);
  return out;
}

void RequestParser::recycle(Request&& used) {
  for (auto& h : used.headers) {
    for (std::string* s : {&h.name, &h.value}) {
      s->clear();
      if (s->capacity() > 15 && strings_.size() < 64) strings_.push_back(std::move(*s));  // only heap buffers
    }
  }
  used.headers.clear();
  used.method.clear();
  used.path.clear();
  used.query.clear();
  used.body.clear();
  if (used.body.capacity() > 64 * 1024) std::string().swap(used.body);  // keep no large body around
  used.peer.reset();
  spare_ = std::move(used);
}

void RequestParser::fail(int status, std::string code, std::string detail) {
  state_ = State::kFailed;
  failure_ = {status, std::move(code), std::move(detail)};
}

bool RequestParser::countHeaderBytes(std::size_t n) {
  header_bytes_ += n;
  if (header_bytes_ <= header_limit_) return true;
  fail(431, "HEADERS_TOO_LARGE", "the request headers are too large");
  return false;
}

int RequestParser::onMessageBegin(http_parser* p) {
  self(p).started_ = true;
  return 0;
}

int RequestParser::onUrl(http_parser* p, const char* at, std::size_t n) {
  auto& s = self(p);
  s.started_ = true;
  if (!s.countHeaderBytes(n + 16)) return 1;  // + method, version and line end, roughly
  s.target_.append(at, n);
  return 0;
}

int RequestParser::onHeaderField(http_parser* p, const char* at, std::size_t n) {
  auto& s = self(p);
  if (!s.countHeaderBytes(n)) return 1;
  auto& headers = s.request_.headers;
  if (s.in_value_ || headers.empty()) {
    if (!s.countHeaderBytes(4)) return 1;  // ": " and the line end
    Header& h = headers.emplace_back();
    // Long values (a key, a content type) reuse a recycled buffer; names rarely need one.
    if (!s.strings_.empty()) {
      h.value = std::move(s.strings_.back());
      s.strings_.pop_back();
    }
    s.in_value_ = false;
  }
  std::string& name = headers.back().name;
  const std::size_t from = name.size();
  name.append(at, n);
  for (std::size_t i = from; i < name.size(); ++i) name[i] = asciiLower(name[i]);
  return 0;
}

int RequestParser::onHeaderValue(http_parser* p, const char* at, std::size_t n) {
  auto& s = self(p);
  if (!s.countHeaderBytes(n)) return 1;
  s.request_.headers.back().value.append(at, n);
  s.in_value_ = true;
  return 0;
}

int RequestParser::onHeadersComplete(http_parser* p) {
  auto& s = self(p);
  s.headers_complete_ = true;
  Request& r = s.request_;
  r.method = http_method_str(static_cast<http_method>(p->method));
  const std::string_view target = s.target_;
  const std::size_t q = target.find('?');
  r.path.assign(target.substr(0, q));
  if (q != std::string_view::npos) r.query.assign(target.substr(q + 1));
  if ((p->flags & F_CONTENTLENGTH) && p->content_length > s.body_limit_) {
    s.fail(413, "BODY_TOO_LARGE", "the request body exceeds the limit of " + std::to_string(s.body_limit_) + " bytes");
    return -1;
  }
  const bool has_body = (p->flags & F_CHUNKED) || ((p->flags & F_CONTENTLENGTH) && p->content_length > 0);
  if (has_body && (p->http_major > 1 || (p->http_major == 1 && p->http_minor >= 1)))
    s.expect_continue_ = asciiIEquals(r.header("expect"), "100-continue");
  if (p->flags & F_CONTENTLENGTH) r.body.reserve(p->content_length);
  return 0;
}

int RequestParser::onBody(http_parser* p, const char* at, std::size_t n) {
  auto& s = self(p);
  if (s.request_.body.size() + n > s.body_limit_) {
    s.fail(413, "BODY_TOO_LARGE", "the request body exceeds the limit of " + std::to_string(s.body_limit_) + " bytes");
    return 1;
  }
  s.request_.body.append(at, n);
  return 0;
}

int RequestParser::onMessageComplete(http_parser* p) {
  auto& s = self(p);
  s.state_ = State::kComplete;
  // An upgrade request is answered like any other, and then the connection ends: we do not
  // speak the protocol the client wants to switch to.
  s.keep_alive_ = http_should_keep_alive(p) != 0 && !(p->flags & F_UPGRADE);
  http_parser_pause(p, 1);  // hand the request over before parsing the next one
  return 0;
}

}  // namespace keyward::http
