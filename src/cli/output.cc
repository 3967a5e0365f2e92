#include "cli/output.h"

#include <algorithm>

namespace keyward::cli {

std::string sanitize(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    out += (c < 0x20 || c == 0x7f) ? '?' : ch;
  }
  return out;
}

size_t displayWidth(std::string_view text) {
  // Continuation bytes (10xxxxxx) do not start a code point.
  return size_t(std::count_if(text.begin(), text.end(),
                              [](char ch) { return (static_cast<unsigned char>(ch) & 0xC0) != 0x80; }));
}

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::addRow(std::vector<std::string> cells) {
  cells.resize(std::max(cells.size(), headers_.size()));
  for (auto& c : cells) c = sanitize(c);
  rows_.push_back(std::move(cells));
}

std::string Table::render() const {
  size_t columns = headers_.size();
  for (const auto& r : rows_) columns = std::max(columns, r.size());
  std::vector<size_t> width(columns, 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], displayWidth(row[i]));
  };
  measure(headers_);
  for (const auto& r : rows_) measure(r);

  std::string out;
  auto emit = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < columns; ++i) {
      const std::string& cell = i < row.size() ? row[i] : std::string();
      if (i > 0) line += "  ";
      line += cell;
      if (i + 1 < columns) line.append(width[i] - displayWidth(cell), ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  };
  emit(headers_);
  for (const auto& r : rows_) emit(r);
  return out;
}

std::string renderFields(const std::vector<std::pair<std::string, std::string>>& fields) {
  size_t label_width = 0;
  for (const auto& [label, value] : fields) label_width = std::max(label_width, displayWidth(label) + 1);
  std::string out;
  for (const auto& [label, value] : fields) {
    const std::string head = sanitize(label) + ":";
    out += head;
    const std::string shown = sanitize(value);
    if (!shown.empty()) {
      out.append(label_width - displayWidth(head) + 2, ' ');
      out += shown;
    }
    out += '\n';
  }
  return out;
}

}  // namespace keyward::cli
