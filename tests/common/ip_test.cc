// Unit tests for strict IP/CIDR parsing, matching and canonical formatting (src/common/ip.h).
#include "common/ip.h"

#include <gtest/gtest.h>

namespace keyward {
namespace {

IpAddress ip(std::string_view s) {
  auto r = parseIp(s);
  EXPECT_TRUE(r) << "parseIp rejected '" << s << "'";
  return r.value_or(IpAddress{});
}

Cidr cidr(std::string_view s) {
  auto r = parseCidr(s);
  EXPECT_TRUE(r) << "parseCidr rejected '" << s << "'";
  return r.value_or(Cidr{});
}

TEST(ParseIp, AcceptsDottedQuadIpv4) {
  for (const char* s : {"0.0.0.0", "10.0.0.1", "192.168.1.254", "255.255.255.255", "1.2.3.4"}) {
    auto r = parseIp(s);
    ASSERT_TRUE(r) << s;
    EXPECT_TRUE(r->isV4Mapped());
    EXPECT_EQ(formatIp(*r), s);
  }
}

TEST(ParseIp, RejectsLeadingZerosInIpv4Octets) {
  for (const char* s : {"010.0.0.1", "10.00.0.1", "10.0.0.01", "00.0.0.0", "1.2.3.004"}) {
    auto r = parseIp(s);
    ASSERT_FALSE(r) << "accepted '" << s << "'";
    EXPECT_EQ(r.error().code, "INVALID_IP");
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalid);
  }
}

TEST(ParseIp, RejectsShortAndMalformedIpv4Forms) {
  for (const char* s :
       {"10", "10.1", "10.1.2", "10.1.2.3.4", "256.0.0.1", "1.2.3.256", "1.2.3.", ".1.2.3", "1..2.3", "a.b.c.d",
        "1.2.3.4 ", " 1.2.3.4", "1.2.3.-4", "+1.2.3.4", "0x0a.0.0.1", "", "1.2.3.4/32", "4294967295", "1234.1.1.1"}) {
    EXPECT_FALSE(parseIp(s)) << "accepted '" << s << "'";
  }
}

TEST(ParseIp, AcceptsIpv6TextForms) {
  EXPECT_EQ(formatIp(ip("2001:db8::1")), "2001:db8::1");
  EXPECT_EQ(formatIp(ip("2001:0DB8:0000:0000:0000:0000:0000:0001")), "2001:db8::1");
  EXPECT_EQ(formatIp(ip("::")), "::");
  EXPECT_EQ(formatIp(ip("::1")), "::1");
  EXPECT_EQ(formatIp(ip("fe80::")), "fe80::");
  EXPECT_EQ(formatIp(ip("2001:db8:0:1:1:1:1:1")), "2001:db8:0:1:1:1:1:1");
  EXPECT_FALSE(ip("2001:db8::1").isV4Mapped());
}

TEST(ParseIp, RejectsZoneIdsAndMalformedIpv6) {
  for (const char* s : {"fe80::1%eth0", "fe80::1%1", "2001:db8:::1", "2001:db8::1::2", "12345::1", "2001:db8::g", ":",
                        "1:2:3:4:5:6:7:8:9", "[::1]", "::1 ", "2001:db8::/32"}) {
    EXPECT_FALSE(parseIp(s)) << "accepted '" << s << "'";
  }
}

TEST(ParseIp, TreatsIpv4MappedIpv6AsTheIpv4Address) {
  EXPECT_EQ(ip("::ffff:10.1.2.3"), ip("10.1.2.3"));
  EXPECT_EQ(ip("::ffff:a01:203"), ip("10.1.2.3"));
  EXPECT_EQ(formatIp(ip("::ffff:10.1.2.3")), "10.1.2.3");
}

TEST(ParseCidr, AcceptsNetworksAndFormatsThemCanonically) {
  EXPECT_EQ(formatCidr(cidr("10.0.0.0/8")), "10.0.0.0/8");
  EXPECT_EQ(formatCidr(cidr("0.0.0.0/0")), "0.0.0.0/0");
  EXPECT_EQ(formatCidr(cidr("192.168.1.7/32")), "192.168.1.7/32");
  EXPECT_EQ(formatCidr(cidr("2001:db8::/32")), "2001:db8::/32");
  EXPECT_EQ(formatCidr(cidr("2001:0DB8:0000::/48")), "2001:db8::/48");
  EXPECT_EQ(formatCidr(cidr("::/0")), "::/0");
  EXPECT_EQ(formatCidr(cidr("::1/128")), "::1/128");
  EXPECT_EQ(formatCidr(cidr("::ffff:10.0.0.0/104")), "10.0.0.0/8");
}

TEST(ParseCidr, BareAddressIsASingleHost) {
  EXPECT_EQ(formatCidr(cidr("10.1.2.3")), "10.1.2.3/32");
  EXPECT_EQ(formatCidr(cidr("2001:db8::7")), "2001:db8::7/128");
  EXPECT_EQ(cidr("10.1.2.3"), cidr("10.1.2.3/32"));
}

TEST(ParseCidr, PrefixesAreHeldOnTheSixteenByteForm) {
  EXPECT_EQ(cidr("10.0.0.0/8").prefix, 104);
  EXPECT_EQ(cidr("0.0.0.0/0").prefix, 96);
  EXPECT_EQ(cidr("2001:db8::/32").prefix, 32);
}

TEST(ParseCidr, RejectsShortForms) {
  for (const char* s : {"10/8", "10.1/16", "10.1.2/24", "10.0.0/8"}) {
    auto r = parseCidr(s);
    ASSERT_FALSE(r) << "accepted '" << s << "'";
    EXPECT_EQ(r.error().code, "INVALID_CIDR");
  }
}

TEST(ParseCidr, RejectsLeadingZerosInAddressOrPrefix) {
  for (const char* s : {"010.0.0.0/8", "10.0.0.0/08", "10.0.0.0/00", "2001:db8::/032", "10.0.0.0/008"}) {
    EXPECT_FALSE(parseCidr(s)) << "accepted '" << s << "'";
  }
}

TEST(ParseCidr, RejectsPrefixOutOfRange) {
  for (const char* s : {"10.0.0.0/33", "0.0.0.0/99", "2001:db8::/129", "::/200", "10.0.0.0/-1", "10.0.0.0/", "::/",
                        "10.0.0.0/+8", "10.0.0.0/8/8", "10.0.0.0/ 8", "10.0.0.0/4294967304", "10.0.0.0/a"}) {
    auto r = parseCidr(s);
    ASSERT_FALSE(r) << "accepted '" << s << "'";
    EXPECT_EQ(r.error().code, "INVALID_CIDR");
  }
}

TEST(ParseCidr, RejectsHostBitsSetAndSuggestsTheNetwork) {
  auto r = parseCidr("10.0.0.1/8");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "INVALID_CIDR");
  EXPECT_NE(r.error().message.find("10.0.0.0/8"), std::string::npos) << r.error().message;
  EXPECT_FALSE(parseCidr("192.168.1.1/24"));
  EXPECT_FALSE(parseCidr("10.128.0.0/8"));
  EXPECT_FALSE(parseCidr("2001:db8::1/32"));
  EXPECT_TRUE(parseCidr("2001:db8:8000::/33"));   // bit 33 is the network's last bit
  EXPECT_FALSE(parseCidr("2001:db8:4000::/33"));  // bit 34 set: a host bit
}

TEST(ParseCidr, RejectsZoneIdsAndGarbage) {
  for (const char* s : {"fe80::%eth0/64", "fe80::/64%eth0", "", "/8", "any", "*", "10.0.0.0/8 ", " 10.0.0.0/8",
                        "10.0.0.0-10.0.0.255"}) {
    EXPECT_FALSE(parseCidr(s)) << "accepted '" << s << "'";
  }
}

TEST(ParseCidr, CanonicalTextParsesBackToTheSameRange) {
  // The store keeps allowlists as canonical text and parses them again on load.
  for (const char* s : {"10.0.0.0/8", "0.0.0.0/0", "10.1.2.3", "192.168.128.0/17", "2001:db8::/32", "::/0", "::1",
                        "::ffff:10.0.0.0/104", "::ffff:0:0/96", "fe80::/10", "2001:db8:0:0:1::/80"}) {
    const Cidr c = cidr(s);
    auto again = parseCidr(formatCidr(c));
    ASSERT_TRUE(again) << s << " -> " << formatCidr(c);
    EXPECT_EQ(*again, c) << s << " -> " << formatCidr(c);
  }
}

TEST(ParseIp, RejectsLeadingZerosInEmbeddedIpv4) {
  EXPECT_FALSE(parseIp("::ffff:010.1.2.3"));
  EXPECT_FALSE(parseCidr("::ffff:010.0.0.0/104"));
}

TEST(CidrContains, Ipv4RangeMatchesOnlyItsAddresses) {
  const Cidr net = cidr("10.0.0.0/8");
  EXPECT_TRUE(net.contains(ip("10.0.0.0")));
  EXPECT_TRUE(net.contains(ip("10.1.2.3")));
  EXPECT_TRUE(net.contains(ip("10.255.255.255")));
  EXPECT_FALSE(net.contains(ip("11.0.0.0")));
  EXPECT_FALSE(net.contains(ip("9.255.255.255")));
  EXPECT_FALSE(net.contains(ip("::a00:1")));  // IPv4-compatible, not IPv4-mapped
}

TEST(CidrContains, NonByteAlignedPrefixes) {
  const Cidr v4 = cidr("10.0.0.0/9");
  EXPECT_TRUE(v4.contains(ip("10.127.255.255")));
  EXPECT_FALSE(v4.contains(ip("10.128.0.0")));
  const Cidr v6 = cidr("2001:db8:8000::/33");
  EXPECT_TRUE(v6.contains(ip("2001:db8:ffff::1")));
  EXPECT_FALSE(v6.contains(ip("2001:db8:7fff::1")));
}

TEST(CidrContains, SingleHostMatchesOnlyThatHost) {
  const Cidr host = cidr("192.168.1.7");
  EXPECT_TRUE(host.contains(ip("192.168.1.7")));
  EXPECT_FALSE(host.contains(ip("192.168.1.6")));
  EXPECT_FALSE(host.contains(ip("192.168.1.8")));
}

TEST(CidrContains, Ipv6Range) {
  const Cidr net = cidr("2001:db8::/32");
  EXPECT_TRUE(net.contains(ip("2001:db8::1")));
  EXPECT_TRUE(net.contains(ip("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")));
  EXPECT_FALSE(net.contains(ip("2001:db9::")));
  EXPECT_FALSE(net.contains(ip("10.0.0.1")));
}

TEST(CidrContains, ZeroPrefixMatchesEverythingOfItsFamily) {
  const Cidr any4 = cidr("0.0.0.0/0");
  EXPECT_TRUE(any4.contains(ip("1.2.3.4")));
  EXPECT_TRUE(any4.contains(ip("255.255.255.255")));
  EXPECT_TRUE(any4.contains(ip("::ffff:1.2.3.4")));
  EXPECT_FALSE(any4.contains(ip("2001:db8::1")));
  const Cidr any6 = cidr("::/0");
  EXPECT_TRUE(any6.contains(ip("2001:db8::1")));
  EXPECT_TRUE(any6.contains(ip("::")));
  EXPECT_TRUE(any6.contains(ip("1.2.3.4")));
}

TEST(CidrContains, Ipv4MappedClientMatchesIpv4Rule) {
  // A dual-stack socket reports an IPv4 client as ::ffff:a.b.c.d; the IPv4 rule must still apply.
  EXPECT_TRUE(cidr("10.0.0.0/8").contains(ip("::ffff:10.1.2.3")));
  EXPECT_TRUE(cidr("10.1.2.3/32").contains(ip("::ffff:10.1.2.3")));
  EXPECT_FALSE(cidr("10.0.0.0/8").contains(ip("::ffff:11.1.2.3")));
  // And a rule written in the mapped form matches the plain IPv4 client.
  EXPECT_TRUE(cidr("::ffff:10.0.0.0/104").contains(ip("10.9.9.9")));
}

}  // namespace
}  // namespace keyward
