// Unit tests for the shared_secret credential format (src/sign/basic_auth.h).
#include "sign/basic_auth.h"

#include <gtest/gtest.h>

#include "sign/base64.h"

namespace keyward::sign {
namespace {

TEST(BasicAuth, ParsesTheRfc7617Example) {
  auto c = parseBasicAuthorization("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->public_id, "Aladdin");
  EXPECT_EQ(c->secret, "open sesame");
}

TEST(BasicAuth, RoundTripsAndSplitsAtTheFirstColon) {
  auto c = parseBasicAuthorization(basicAuthorization("kwpub_123", "s3cr:et"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->public_id, "kwpub_123");
  EXPECT_EQ(c->secret, "s3cr:et");
  EXPECT_TRUE(parseBasicAuthorization("basic " + base64Encode("a:b")));
  EXPECT_TRUE(parseBasicAuthorization("BASIC " + base64Encode("a:b")));
}

TEST(BasicAuth, RejectsMalformedCredentialsWithoutEchoingThem) {
  for (const std::string& bad :
       std::vector<std::string>{"Bearer " + base64Encode("a:b"), "Basic", "Basic ", "Basic  " + base64Encode("a:b"),
                                "Basic " + base64Encode("a:b") + " ", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ",  // no padding
                                "Basic " + base64Encode("no-colon"), "Basic " + base64Encode(":hushhush"),
                                "Basic " + base64Encode("id:"), "Basic " + base64Encode("id:hush\nhush"),
                                "Basic " + base64Encode(std::string("id:hush\0hush", 12))}) {
    auto r = parseBasicAuthorization(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, "CREDENTIAL_MALFORMED");
    EXPECT_EQ(r.error().kind, ErrorKind::kUnauthenticated);
    EXPECT_EQ(r.error().message.find("hush"), std::string::npos);
  }
}

}  // namespace
}  // namespace keyward::sign
