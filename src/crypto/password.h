// password.h — console passwords hashed with Argon2id (libargon2), never stored in clear.
// Thread safety: safe from any thread (each call allocates its own Argon2 memory).
// Ownership: values only.
// Parameters follow OWASP's Argon2id minimum (m = 19 MiB, t = 2, p = 1); they are encoded
// in the hash string, so raising them later keeps old hashes verifiable.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace keyward::crypto {

struct PasswordCost {
  unsigned memory_kib = 19 * 1024;
  unsigned iterations = 2;
  unsigned parallelism = 1;
};

// "$argon2id$v=19$m=...,t=...,p=...$<salt>$<hash>" with a fresh 16-byte salt.
Result<std::string> hashPassword(std::string_view password, const PasswordCost& cost = {});

// Whether `password` matches `encoded`; false for any malformed hash (fail closed).
// The comparison inside libargon2 is constant time.
bool verifyPassword(std::string_view encoded, std::string_view password);

}  // namespace keyward::crypto
