// client_address.h — which address a request really came from.
// Thread safety: pure function. Ownership: values only.
// The socket peer, unless that peer is a trusted proxy; then X-Forwarded-For is read from
// the right and the first address that is not itself a trusted proxy wins (anything to
// its left was written by the client and cannot be trusted).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "common/ip.h"

namespace keyward::http {

std::optional<IpAddress> clientAddress(const std::optional<IpAddress>& peer, std::string_view x_forwarded_for,
                                       const std::vector<Cidr>& trusted_proxies);

}  // namespace keyward::http
