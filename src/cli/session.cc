#include "cli/session.h"

#include <iostream>
#include <utility>
#include <vector>

#include "cli/json_fields.h"
#include "cli/output.h"

namespace keyward::cli {

std::optional<Reply> Session::call(std::string_view method, const std::string& target, const json::object* body,
                                   bool json_reply, const BodySink* sink) {
  if (!client_) {
    if (g_.addr.find('@') != std::string::npos) {
      return usage("credentials in --addr are not supported; pass the admin key with --token or KEYWARD_TOKEN");
    }
    auto ep = parseAddress(g_.addr);
    if (!ep) return usage("invalid --addr \"" + sanitize(g_.addr) + "\": " + ep.error().message);
    client_.emplace(std::move(*ep), g_.ca_file);
  }
  std::vector<std::pair<std::string, std::string>> headers{{"Accept", "application/json"}};
  if (!g_.token.empty()) headers.emplace_back("Authorization", "Bearer " + g_.token);
  const std::string text = body ? json::serialize(*body) : std::string();
  auto resp = client_->request(method, target, text, headers, sink);
  if (!resp) return usage(resp.error().message);
  Reply r{resp->status, std::move(resp->body), nullptr};
  if (!r.body.empty()) {
    boost::system::error_code ec;
    r.doc = json::parse(r.body, ec);
    if (ec) r.doc = nullptr;
  }
  if (r.status >= 400) return refused(r);
  if (json_reply && !r.body.empty() && r.doc.is_null()) {
    return failed(kExitRefused, "error: the server's reply is not JSON (HTTP " + std::to_string(r.status) + ")");
  }
  return r;
}

void Session::printRaw(const Reply& r) const {
  std::cout << r.body;
  if (!r.body.empty() && r.body.back() != '\n') std::cout << '\n';
}

std::nullopt_t Session::failed(int code, const std::string& message) {
  std::cerr << message << '\n';
  exit_code_ = code;
  return std::nullopt;
}

std::nullopt_t Session::refused(const Reply& r) {
  const std::string detail = field(r.doc, "detail", "");
  const std::string code = field(r.doc, "code", "");
  if (detail.empty() && code.empty()) {
    return failed(kExitRefused, "error: the server answered HTTP " + std::to_string(r.status));
  }
  std::string msg = "error: " + sanitize(detail.empty() ? "request failed" : detail) + " (" +
                    sanitize(code.empty() ? "HTTP " + std::to_string(r.status) : code);
  if (const std::string f = field(r.doc, "field", ""); !f.empty()) msg += ", field " + sanitize(f);
  msg += ")";
  return failed(kExitRefused, msg);
}

std::function<void()> guarded(int& exit_code, std::function<void()> fn) {
  return [&exit_code, fn = std::move(fn)] {
    try {
      fn();
    } catch (const std::exception& e) {
      std::cerr << "error: " << e.what() << '\n';
      exit_code = kExitUsage;
    }
  };
}

}  // namespace keyward::cli
