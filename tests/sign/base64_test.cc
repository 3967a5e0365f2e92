// Unit tests for strict base64 and base64url (src/sign/base64.h).
#include "sign/base64.h"

#include <gtest/gtest.h>

namespace keyward::sign {
namespace {

std::string text(const Bytes& b) { return std::string(asText(b)); }

TEST(Base64, EncodesTheRfc4648Vectors) {
  EXPECT_EQ(base64Encode(""), "");
  EXPECT_EQ(base64Encode("f"), "Zg==");
  EXPECT_EQ(base64Encode("fo"), "Zm8=");
  EXPECT_EQ(base64Encode("foo"), "Zm9v");
  EXPECT_EQ(base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64Encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64Encode("foobar"), "Zm9vYmFy");
}

TEST(Base64, DecodesTheRfc4648Vectors) {
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    auto d = base64Decode(base64Encode(s));
    ASSERT_TRUE(d) << s;
    EXPECT_EQ(text(*d), s);
  }
}

TEST(Base64, DecodingIsStrict) {
  EXPECT_FALSE(base64Decode("Zg"));     // padding missing
  EXPECT_FALSE(base64Decode("Zg="));    // padding short
  EXPECT_FALSE(base64Decode("Zg==="));  // padding long
  EXPECT_FALSE(base64Decode("Zh=="));   // non-zero unused bits: not canonical
  EXPECT_FALSE(base64Decode(" Zm9v"));  // whitespace
  EXPECT_FALSE(base64Decode("Zm9v\n"));
  EXPECT_FALSE(base64Decode("Zm=v"));  // padding inside
  EXPECT_FALSE(base64Decode("Zm9-"));  // base64url alphabet
  EXPECT_FALSE(base64Decode("===="));
}

TEST(Base64, DecodesBinary) {
  const Bytes bin{0x00, 0xff, 0xfe, 0x80, 0x7f};
  auto d = base64Decode(base64Encode(bin));
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, bin);
}

TEST(Base64Url, EncodesWithoutPaddingInTheUrlAlphabet) {
  const Bytes bin{0xfb, 0xff, 0xbf};
  EXPECT_EQ(base64Encode(bin), "+/+/");
  EXPECT_EQ(base64UrlEncode(bin), "-_-_");
  EXPECT_EQ(base64UrlEncode("f"), "Zg");
  EXPECT_EQ(base64UrlEncode("fo"), "Zm8");
}

TEST(Base64Url, DecodesAndRejectsNonCanonicalInput) {
  auto d = base64UrlDecode("-_-_");
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, (Bytes{0xfb, 0xff, 0xbf}));
  EXPECT_EQ(text(*base64UrlDecode("Zg")), "f");
  EXPECT_EQ(text(*base64UrlDecode("")), "");
  EXPECT_FALSE(base64UrlDecode("Zg=="));  // padding is not part of base64url here
  EXPECT_FALSE(base64UrlDecode("+/+/"));  // standard alphabet
  EXPECT_FALSE(base64UrlDecode("Z"));     // impossible length
  EXPECT_FALSE(base64UrlDecode("Zh"));    // non-zero unused bits
  EXPECT_FALSE(base64UrlDecode("Zm9v."));
}

}  // namespace
}  // namespace keyward::sign
