// printing.h — how a command prints what the server answered: one record (rendered, or the raw
// JSON with --json), a one-line confirmation, or a list of one or every page as a table.
// Thread safety: used from main() only; writes to std::cout and std::cerr. Ownership: values only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cli/common_options.h"
#include "cli/session.h"

namespace keyward::cli {

void printOne(Session& s, const Reply& r, std::string (*render)(const json::value&));

// For replies that carry no record to render (204 on delete, or a one-line summary).
void printDone(Session& s, const Reply& r, const std::string& message);

// GETs one page, or every page with --all. `query` holds filters already encoded as
// "&name=value" pairs. Prints a table (or the JSON) and a hint when more pages exist.
void runList(Session& s, const std::string& path, std::string query, const ListOptions& o,
             const std::vector<std::string>& headers, std::vector<std::string> (*row)(const json::value&),
             std::string_view noun);

}  // namespace keyward::cli
