#include "http/client_address.h"

namespace keyward::http {
namespace {

bool trusted(const IpAddress& ip, const std::vector<Cidr>& proxies) {
  for (const auto& c : proxies)
    if (c.contains(ip)) return true;
  return false;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<IpAddress> clientAddress(const std::optional<IpAddress>& peer, std::string_view xff,
                                       const std::vector<Cidr>& proxies) {
  if (!peer || !trusted(*peer, proxies) || xff.empty()) return peer;
  std::optional<IpAddress> last = peer;
  while (!xff.empty()) {
    const size_t comma = xff.rfind(',');
    const std::string_view part = trim(comma == std::string_view::npos ? xff : xff.substr(comma + 1));
    xff = comma == std::string_view::npos ? std::string_view() : xff.substr(0, comma);
    auto ip = parseIp(part);
    if (!ip) return last;  // garbage in the chain: stop at the last address we could trust
    if (!trusted(*ip, proxies)) return *ip;
    last = *ip;
  }
  return last;
}

}  // namespace keyward::http
