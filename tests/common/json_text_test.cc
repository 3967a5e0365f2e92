// Unit tests for hand-built JSON string escaping (src/common/json_text.h).
#include "common/json_text.h"

#include <gtest/gtest.h>

namespace keyward {
namespace {

TEST(JsonText, QuotesPlainText) {
  EXPECT_EQ(jsonString(""), "\"\"");
  EXPECT_EQ(jsonString("hello world"), "\"hello world\"");
}

TEST(JsonText, EscapesQuotesAndBackslashes) {
  EXPECT_EQ(jsonString("say \"hi\""), R"("say \"hi\"")");
  EXPECT_EQ(jsonString("C:\\keys"), R"("C:\\keys")");
  EXPECT_EQ(jsonString("\"}"), R"("\"}")");  // cannot close the string early
}

TEST(JsonText, EscapesControlCharacters) {
  EXPECT_EQ(jsonString("a\nb\rc\td"), R"("a\nb\rc\td")");
  EXPECT_EQ(jsonString(std::string_view("\x01\x1f", 2)), R"("\u0001\u001f")");
  EXPECT_EQ(jsonString(std::string_view("a\0b", 3)), R"("a\u0000b")");
  EXPECT_EQ(jsonString("\b\f"), R"("\u0008\u000c")");
}

TEST(JsonText, PassesUtf8AndPrintableAsciiThrough) {
  EXPECT_EQ(jsonString("caf\xc3\xa9 \xe2\x82\xac"), "\"caf\xc3\xa9 \xe2\x82\xac\"");
  EXPECT_EQ(jsonString("/<>'&"), "\"/<>'&\"");
}

TEST(JsonText, AppendsToExistingText) {
  std::string out = "{\"name\":";
  appendJsonString(out, "a\"b");
  out += '}';
  EXPECT_EQ(out, R"({"name":"a\"b"})");
}

}  // namespace
}  // namespace keyward
