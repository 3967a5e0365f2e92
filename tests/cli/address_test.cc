// parseAddress: what users may type for --addr / KEYWARD_ADDR.
#include <gtest/gtest.h>

#include "cli/http_client.h"

namespace keyward::cli {
namespace {

TEST(CliAddress, AcceptsHttpUrlWithPort) {
  auto ep = parseAddress("http://127.0.0.1:8420");
  ASSERT_TRUE(ep) << ep.error().message;
  EXPECT_FALSE(ep->tls);
  EXPECT_EQ(ep->host, "127.0.0.1");
  EXPECT_EQ(ep->port, "8420");
}

TEST(CliAddress, HttpsUrlUsesTls) {
  auto ep = parseAddress("https://keys.example.com:9443");
  ASSERT_TRUE(ep);
  EXPECT_TRUE(ep->tls);
  EXPECT_EQ(ep->host, "keys.example.com");
  EXPECT_EQ(ep->port, "9443");
}

TEST(CliAddress, PortDefaultsFromScheme) {
  auto http = parseAddress("http://keys.example.com");
  auto https = parseAddress("https://keys.example.com");
  ASSERT_TRUE(http && https);
  EXPECT_EQ(http->port, "80");
  EXPECT_EQ(https->port, "443");
}

TEST(CliAddress, AddressWithoutSchemeMeansPlainHttp) {
  auto ep = parseAddress("localhost:8420");
  ASSERT_TRUE(ep);
  EXPECT_FALSE(ep->tls);
  EXPECT_EQ(ep->host, "localhost");
  EXPECT_EQ(ep->port, "8420");
}

TEST(CliAddress, TrailingSlashIsIgnored) {
  auto ep = parseAddress("http://127.0.0.1:8420/");
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->port, "8420");
}

TEST(CliAddress, BracketedIpv6HostIsAccepted) {
  auto ep = parseAddress("http://[::1]:8420");
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->host, "::1");
  EXPECT_EQ(ep->port, "8420");
  auto no_port = parseAddress("https://[2001:db8::1]");
  ASSERT_TRUE(no_port);
  EXPECT_EQ(no_port->host, "2001:db8::1");
  EXPECT_EQ(no_port->port, "443");
}

TEST(CliAddress, OtherSchemesAreRejected) {
  auto ep = parseAddress("ftp://127.0.0.1:21");
  ASSERT_FALSE(ep);
  EXPECT_EQ(ep.error().kind, ErrorKind::kInvalid);
  EXPECT_NE(ep.error().message.find("http://"), std::string::npos);
}

TEST(CliAddress, NonNumericPortIsRejected) {
  EXPECT_FALSE(parseAddress("http://127.0.0.1:http"));
  EXPECT_FALSE(parseAddress("http://127.0.0.1:"));
}

TEST(CliAddress, UnbalancedBracketIsRejected) {
  EXPECT_FALSE(parseAddress("http://[::1:8420"));
  EXPECT_FALSE(parseAddress("http://[::1]8420"));
}

TEST(CliAddress, EmptyHostIsRejected) {
  EXPECT_FALSE(parseAddress(""));
  EXPECT_FALSE(parseAddress("http://"));
  EXPECT_FALSE(parseAddress("http://:8420"));
}

}  // namespace
}  // namespace keyward::cli
