// ip.h — IP addresses and CIDR ranges, parsed strictly and matched in constant time.
// Thread safety: pure values and functions. Ownership: values only.
// Every address is held as 16 bytes: IPv4 a.b.c.d becomes the IPv4-mapped ::ffff:a.b.c.d,
// so one IPv4 rule matches a client whether the socket reports it as IPv4 or as
// IPv4-mapped IPv6, and IPv4 prefixes become prefix + 96.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace keyward {

struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};
  bool operator==(const IpAddress&) const = default;
  bool isV4Mapped() const;
};

struct Cidr {
  IpAddress network;    // host bits are zero
  std::uint8_t prefix;  // 0..128 on the 16-byte form
  bool operator==(const Cidr&) const = default;
  bool contains(const IpAddress& ip) const;
};

// Strict: dotted-quad IPv4 with no leading zeros and no short forms ("10.1", "010.0.0.1"
// are rejected), or an IPv6 text form (RFC 4291, no zone id).
Result<IpAddress> parseIp(std::string_view text);

// "addr/prefix" or a bare address (a single host). The prefix must be in range, written
// without leading zeros, and the address must have no host bits set.
Result<Cidr> parseCidr(std::string_view text);

// The canonical text: IPv4 for mapped addresses, RFC 5952 for IPv6; prefixes as written
// for the address family ("10.0.0.0/8", "2001:db8::/32").
std::string formatIp(const IpAddress& ip);
std::string formatCidr(const Cidr& c);

}  // namespace keyward
