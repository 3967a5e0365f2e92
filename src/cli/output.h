// output.h — plain-text rendering for the CLI: aligned tables for lists and aligned
// "label: value" blocks for single records.
// Thread safety: plain values; a Table is used by one thread. Ownership: a Table owns
// copies of its cells. Cells come from the server and ultimately from tenants, so control
// characters are replaced before they reach a terminal (no escape-sequence injection).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keyward::cli {

// Columns are separated by two spaces and padded to the widest cell (counted in UTF-8 code
// points, so accented names stay aligned); the last column is not padded, so no line ends
// in spaces. Rows shorter than the header are padded with empty cells.
class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  void addRow(std::vector<std::string> cells);
  size_t rowCount() const { return rows_.size(); }
  std::string render() const;  // header line, then one line per row, each ending in '\n'

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// "Label:" padded so that values line up; a multi-line value would break the layout, so
// newlines are shown as spaces like any other control character.
std::string renderFields(const std::vector<std::pair<std::string, std::string>>& fields);

// Replaces control characters (C0, DEL) by '?' so text from the server cannot move the
// cursor or recolour the terminal.
std::string sanitize(std::string_view text);

// Display width in code points (not bytes) of UTF-8 text.
size_t displayWidth(std::string_view text);

}  // namespace keyward::cli
