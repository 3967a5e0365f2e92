// Table and field rendering: what `keyward ... list` and `... get` print.
#include "cli/output.h"

#include <gtest/gtest.h>

#include <sstream>

namespace keyward::cli {
namespace {

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

TEST(CliTable, ColumnsLineUpUnderTheirHeaders) {
  Table t({"ID", "NAME", "STATE"});
  t.addRow({"key_1", "billing-sync", "active"});
  t.addRow({"key_22222", "x", "disabled"});
  const auto l = lines(t.render());
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l[0], "ID         NAME          STATE");
  EXPECT_EQ(l[1], "key_1      billing-sync  active");
  EXPECT_EQ(l[2], "key_22222  x             disabled");
}

TEST(CliTable, NoLineEndsInSpaces) {
  Table t({"ID", "DESCRIPTION"});
  t.addRow({"a", ""});
  t.addRow({"b", "long description"});
  for (const auto& l : lines(t.render())) {
    ASSERT_FALSE(l.empty());
    EXPECT_NE(l.back(), ' ') << "'" << l << "'";
  }
}

TEST(CliTable, EmptyTableStillPrintsTheHeader) {
  Table t({"ID", "NAME"});
  EXPECT_EQ(t.render(), "ID  NAME\n");
  EXPECT_EQ(t.rowCount(), 0u);
}

TEST(CliTable, ShortRowsArePaddedWithEmptyCells) {
  Table t({"A", "B", "C"});
  t.addRow({"1"});
  t.addRow({"1", "2", "3"});
  const auto l = lines(t.render());
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l[1], "1");
  EXPECT_EQ(l[2], "1  2  3");
}

TEST(CliTable, NonAsciiNamesAlignByCharactersNotBytes) {
  Table t({"NAME", "STATE"});
  t.addRow({"café", "active"});
  t.addRow({"cafe", "active"});
  const auto l = lines(t.render());
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l[1], "café  active");
  EXPECT_EQ(l[2], "cafe  active");
  EXPECT_EQ(displayWidth("café"), 4u);
}

TEST(CliTable, ControlCharactersFromTheServerCannotReachTheTerminal) {
  Table t({"NAME"});
  t.addRow({"evil\x1b[2Jname\nsecond"});
  const std::string out = t.render();
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
  EXPECT_EQ(lines(out).size(), 2u);  // the embedded newline did not add a line
  EXPECT_EQ(sanitize("a\tb\x7f"), "a?b?");
}

TEST(CliFields, ValuesLineUpAfterTheLongestLabel) {
  const std::string out = renderFields({{"ID", "key_1"}, {"Last used", "never"}, {"Description", ""}});
  const auto l = lines(out);
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l[0], "ID:           key_1");
  EXPECT_EQ(l[1], "Last used:    never");
  EXPECT_EQ(l[2], "Description:");  // an empty value leaves no trailing spaces
}

}  // namespace
}  // namespace keyward::cli
