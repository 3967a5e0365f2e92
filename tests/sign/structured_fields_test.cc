// Unit tests for the strict RFC 8941 parser and serializer (src/sign/structured_fields.h).
#include "sign/structured_fields.h"

#include <gtest/gtest.h>

namespace keyward::sign::sf {
namespace {

using T = BareItem::Type;

TEST(StructuredFields, ParsesASignatureInputDictionary) {
  auto d = parseDictionary(
      R"(sig1=("@method" "@target-uri" "content-digest");created=1618884473;keyid="test-key";alg="ed25519", sig2=("@method");nonce="x")");
  ASSERT_TRUE(d) << d.error().message;
  ASSERT_EQ(d->size(), 2u);
  const Member* m = find(*d, "sig1");
  ASSERT_TRUE(m);
  ASSERT_TRUE(m->is_inner_list);
  ASSERT_EQ(m->list.items.size(), 3u);
  EXPECT_EQ(m->list.items[0].value.type, T::kString);
  EXPECT_EQ(m->list.items[0].value.text, "@method");
  EXPECT_EQ(find(m->list.params, "created")->integer, 1618884473);
  EXPECT_EQ(find(m->list.params, "keyid")->text, "test-key");
  EXPECT_TRUE(find(*d, "sig2"));
}

TEST(StructuredFields, SerializesCanonically) {
  auto d = parseDictionary(R"(a=(  "x"   "y" );k="v";n=1)");
  ASSERT_TRUE(d);
  auto s = serialize(find(*d, "a")->list);
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, R"(("x" "y");k="v";n=1)");
}

TEST(StructuredFields, ParsesEveryBareItemType) {
  auto d = parseDictionary(R"(i=-42, dec=1.5, s="a \"q\" \\", t=foo/bar:baz, b=:aGVsbG8=:, yes, no=?0, e=())");
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(find(*d, "i")->item.value.integer, -42);
  EXPECT_EQ(find(*d, "dec")->item.value.type, T::kDecimal);
  EXPECT_DOUBLE_EQ(find(*d, "dec")->item.value.decimal, 1.5);
  EXPECT_EQ(find(*d, "s")->item.value.text, "a \"q\" \\");
  EXPECT_EQ(find(*d, "t")->item.value.type, T::kToken);
  EXPECT_EQ(find(*d, "t")->item.value.text, "foo/bar:baz");
  EXPECT_EQ(std::string(asText(find(*d, "b")->item.value.bytes)), "hello");
  EXPECT_TRUE(find(*d, "yes")->item.value.boolean);
  EXPECT_FALSE(find(*d, "no")->item.value.boolean);
  EXPECT_TRUE(find(*d, "e")->list.items.empty());
  // Round trip of the string escapes and the decimal.
  EXPECT_EQ(*serialize(find(*d, "s")->item), R"("a \"q\" \\")");
  EXPECT_EQ(*serialize(find(*d, "dec")->item), "1.5");
  EXPECT_EQ(*serialize(find(*d, "yes")->item), "?1");
}

TEST(StructuredFields, LaterDuplicateKeysOverwriteInPlace) {
  auto d = parseDictionary("a=1, b=2, a=3");
  ASSERT_TRUE(d);
  ASSERT_EQ(d->size(), 2u);
  EXPECT_EQ((*d)[0].first, "a");
  EXPECT_EQ((*d)[0].second.item.value.integer, 3);
  auto p = parseItem("x;k=1;k=2");
  ASSERT_TRUE(p);
  ASSERT_EQ(p->params.size(), 1u);
  EXPECT_EQ(p->params[0].second.integer, 2);
}

TEST(StructuredFields, EmptyAndWhitespace) {
  auto empty = parseDictionary("");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
  EXPECT_TRUE(parseDictionary("  a=1 ,\tb=2  "));
}

TEST(StructuredFields, RejectsMalformedInput) {
  for (std::string bad : {
           "a=1,",              // trailing comma
           "a=1,,b=2",          // empty member
           "A=1",               // uppercase key
           "1a=1",              // key starts with a digit
           "a=\"unterminated",  // string
           "a=\"bad \\n escape\"",
           "a=\"tab\there\"",     // control character in a string
           "a=(\"x\"",            // unterminated inner list
           "a=(\"x\"\"y\")",      // items without a space
           "a=:aGVsbG8:",         // byte sequence without padding (strict)
           "a=:aGVsbG8=",         // unterminated byte sequence
           "a=?2",                // boolean
           "a=1234567890123456",  // 16-digit integer
           "a=1.2345",            // 4 fraction digits
           "a=1.",                // no fraction digit
           "a=-",                 // sign without digits
           "a=1 b=2",             // missing comma
           "a=@x",                // not an item
       }) {
    EXPECT_FALSE(parseDictionary(bad)) << bad;
  }
}

TEST(StructuredFields, ParsesLargestIntegers) {
  auto ok = parseItem("999999999999999");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->value.integer, 999999999999999);
  auto neg = parseItem("-999999999999999");
  ASSERT_TRUE(neg);
  EXPECT_EQ(neg->value.integer, -999999999999999);
  EXPECT_FALSE(serialize(BareItem::ofInteger(1'000'000'000'000'000)));
}

TEST(StructuredFields, ItemParserRejectsTrailingGarbage) {
  EXPECT_TRUE(parseItem(" \"x\";a=1 "));
  EXPECT_FALSE(parseItem("\"x\" y"));
  EXPECT_FALSE(parseItem("\"x\","));
}

TEST(StructuredFields, SerializerRefusesValuesNoFieldCanCarry) {
  EXPECT_FALSE(serialize(BareItem::ofString("line\nbreak")));
  EXPECT_FALSE(serialize(BareItem::ofToken("1abc")));
  EXPECT_FALSE(serialize(BareItem::ofToken("")));
  Parameters bad_key{{"Key", BareItem::ofInteger(1)}};
  EXPECT_FALSE(serialize(bad_key));
  EXPECT_TRUE(isValidKey("sig-b26"));
  EXPECT_TRUE(isValidKey("*a"));
  EXPECT_FALSE(isValidKey("Sig"));
}

}  // namespace
}  // namespace keyward::sign::sf
