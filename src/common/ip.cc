#include "common/ip.h"

#include <arpa/inet.h>

#include <cstring>

namespace keyward {
namespace {

constexpr std::array<std::uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool parseDecimal(std::string_view s, unsigned max, unsigned& out) {
  if (s.empty() || s.size() > 3) return false;
  if (s.size() > 1 && s[0] == '0') return false;  // no leading zeros: "010" is ambiguous (octal)
  unsigned v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + unsigned(c - '0');
  }
  if (v > max) return false;
  out = v;
  return true;
}

bool parseV4(std::string_view s, IpAddress& out) {
  std::array<std::uint8_t, 4> octets{};
  for (int i = 0; i < 4; ++i) {
    const size_t dot = s.find('.');
    const bool last = i == 3;
    if (last != (dot == std::string_view::npos)) return false;
    unsigned v;
    if (!parseDecimal(s.substr(0, dot), 255, v)) return false;
    octets[i] = std::uint8_t(v);
    if (!last) s.remove_prefix(dot + 1);
  }
  std::memcpy(out.bytes.data(), kMappedPrefix.data(), 12);
  std::memcpy(out.bytes.data() + 12, octets.data(), 4);
  return true;
}

}  // namespace

bool IpAddress::isV4Mapped() const { return std::memcmp(bytes.data(), kMappedPrefix.data(), 12) == 0; }

bool Cidr::contains(const IpAddress& ip) const {
  const unsigned full = prefix / 8, rest = prefix % 8;
  if (std::memcmp(ip.bytes.data(), network.bytes.data(), full) != 0) return false;
  if (rest == 0) return true;
  const std::uint8_t mask = std::uint8_t(0xff << (8 - rest));
  return (ip.bytes[full] & mask) == network.bytes[full];
}

Result<IpAddress> parseIp(std::string_view text) {
  IpAddress ip;
  if (text.find(':') == std::string_view::npos) {
    if (parseV4(text, ip)) return ip;
    return invalidField("", "'" + std::string(text) + "' is not a valid IPv4 address", "INVALID_IP");
  }
  if (text.size() < 46) {
    char buf[64];
    std::memcpy(buf, text.data(), text.size());
    buf[text.size()] = 0;
    if (inet_pton(AF_INET6, buf, ip.bytes.data()) == 1) return ip;
  }
  return invalidField("", "'" + std::string(text) + "' is not a valid IPv6 address", "INVALID_IP");
}

Result<Cidr> parseCidr(std::string_view text) {
  const size_t slash = text.find('/');
  auto ip = parseIp(text.substr(0, slash));
  if (!ip) {
    return invalidField("", "'" + std::string(text) + "' is not a valid CIDR: " + ip.error().message, "INVALID_CIDR");
  }
  const bool v4 = text.find(':') == std::string_view::npos;
  unsigned prefix = v4 ? 32 : 128;
  if (slash != std::string_view::npos && !parseDecimal(text.substr(slash + 1), v4 ? 32 : 128, prefix)) {
    return invalidField("",
                        "'" + std::string(text) + "' has an invalid prefix length (0-" +
                            (v4 ? std::string("32") : std::string("128")) + ")",
                        "INVALID_CIDR");
  }
  Cidr c{*ip, std::uint8_t(v4 ? prefix + 96 : prefix)};
  // Host bits set ("10.0.0.1/8") usually mean a typo; refuse rather than guess.
  Cidr masked = c;
  for (unsigned bit = c.prefix; bit < 128; ++bit) masked.network.bytes[bit / 8] &= std::uint8_t(~(0x80 >> (bit % 8)));
  if (masked.network != c.network) {
    return invalidField("", "'" + std::string(text) + "' has host bits set; did you mean '" + formatCidr(masked) + "'?",
                        "INVALID_CIDR");
  }
  return c;
}

std::string formatIp(const IpAddress& ip) {
  char buf[INET6_ADDRSTRLEN];
  if (ip.isV4Mapped()) {
    inet_ntop(AF_INET, ip.bytes.data() + 12, buf, sizeof buf);
  } else {
    inet_ntop(AF_INET6, ip.bytes.data(), buf, sizeof buf);
  }
  return buf;
}

std::string formatCidr(const Cidr& c) {
  const bool v4 = c.network.isV4Mapped() && c.prefix >= 96;
  return formatIp(c.network) + "/" + std::to_string(v4 ? c.prefix - 96 : c.prefix);
}

}  // namespace keyward
