// base64 for HTTP Basic credentials (src/crypto/base64.h): RFC 4648 test vectors and strict
// rejection of anything that is not canonical base64.
#include "crypto/base64.h"

#include <gtest/gtest.h>

namespace keyward::crypto {
namespace {

TEST(Base64, Rfc4648VectorsRoundTrip) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},          {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64Encode(plain), encoded);
    EXPECT_EQ(base64Decode(encoded), std::optional<std::string>(plain)) << encoded;
  }
}

TEST(Base64, BinaryBytesRoundTrip) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(char(i));
  EXPECT_EQ(base64Decode(base64Encode(bytes)), bytes);
}

TEST(Base64, NonCanonicalInputIsRejected) {
  for (const char* bad : {"Zg", "Zg=", "Zm9v ", " Zm9v", "Zm=v", "Z===", "Zm9v\n", "Zm-v", "Zm_v", "====", "Zg==Zg=="}) {
    EXPECT_FALSE(base64Decode(bad)) << bad;
  }
}

}  // namespace
}  // namespace keyward::crypto
