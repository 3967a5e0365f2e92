// Unit tests for the compact text types of compiled keys (src/verify/key_text.h): every value
// reads back as it was written, whatever its length, and copies are independent.
#include "verify/key_text.h"

#include <gtest/gtest.h>

#include <string>

#include "verify/key_index.h"

namespace keyward::verify {
namespace {

const std::string kLong(200, 'x');

TEST(SmallText, KeepsShortAndLongTextsAsWritten) {
  for (const std::string& s :
       {std::string(), std::string("key_1"), std::string(31, 'a'), std::string(32, 'b'), kLong}) {
    SmallText t(s);
    EXPECT_EQ(t.view(), s);
    EXPECT_EQ(t.size(), s.size());
    SmallText copy = t;
    SmallText moved = std::move(t);
    EXPECT_EQ(copy, s);
    EXPECT_EQ(moved, s);
    copy = SmallText("other");
    EXPECT_EQ(moved, s);
    EXPECT_EQ(std::string(copy), "other");
  }
}

TEST(CompactText, KeepsShortAndLongTextsAsWritten) {
  for (const std::string& s : {std::string(), std::string("{}"), std::string(7, 'a'), std::string(8, 'b'), kLong}) {
    CompactText t(s);
    EXPECT_EQ(t.view(), s);
    CompactText copy = t;
    CompactText moved = std::move(t);
    EXPECT_EQ(copy, s);
    EXPECT_EQ(moved, s);
    copy = CompactText(R"({"plan":"pro"})");
    EXPECT_EQ(moved, s);
    EXPECT_EQ(copy, R"({"plan":"pro"})");
  }
}

TEST(SharedText, EqualValuesAreOneString) {
  SharedText a(std::string("ten_") + "acme"), b("ten_acme"), c("ten_other"), empty;
  EXPECT_EQ(a, b);
  EXPECT_EQ(&a.str(), &b.str());
  EXPECT_FALSE(a == c);
  EXPECT_EQ(a, "ten_acme");
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty, SharedText(""));
}

// Memory per loaded key (docs/benchmarks.md): the entry of a simple key must stay within the
// 184 bytes the 300-byte budget assumes.
TEST(CompiledKeyLayout, SimpleKeyEntryStaysWithinItsBudget) {
  EXPECT_LE(sizeof(CompiledKey), 184u);
  CompiledKey k;
  k.id = "key_0123456789abcdefghijkl";  // a real id's length: inline
  EXPECT_EQ(k.id.view().size(), 26u);
  EXPECT_EQ(k.metadata_json, "{}");
}

}  // namespace
}  // namespace keyward::verify
