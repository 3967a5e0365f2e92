#include "cli/printing.h"

#include <iostream>
#include <optional>
#include <utility>

#include "cli/json_fields.h"
#include "cli/output.h"
#include "cli/requests.h"

namespace keyward::cli {

void printOne(Session& s, const Reply& r, std::string (*render)(const json::value&)) {
  if (s.json()) s.printRaw(r);
  else std::cout << render(r.doc);
}

void printDone(Session& s, const Reply& r, const std::string& message) {
  if (s.json()) s.printRaw(r);
  else std::cout << message << '\n';
}

void runList(Session& s, const std::string& path, std::string query, const ListOptions& o,
             const std::vector<std::string>& headers, std::vector<std::string> (*row)(const json::value&),
             std::string_view noun) {
  if (o.limit > 0) query += "&limit=" + std::to_string(o.limit);
  json::array items;
  std::string cursor = o.cursor;
  std::optional<Reply> last;
  while (true) {
    std::string q = query + (cursor.empty() ? "" : "&cursor=" + encode(cursor));
    if (!q.empty()) q[0] = '?';
    last = s.call("GET", path + q);
    if (!last) return;
    const auto* page = last->doc.if_object();
    const auto* page_items = page ? page->if_contains("items") : nullptr;
    if (!page_items || !page_items->is_array()) {
      s.usage("the server's reply has no items list");
      s.setExit(kExitRefused);
      return;
    }
    for (const auto& it : page_items->get_array()) items.push_back(it);
    cursor = field(last->doc, "next_cursor", "");
    if (!o.all || cursor.empty()) break;
  }
  if (s.json()) {
    if (!o.all) {
      s.printRaw(*last);
    } else {
      json::object merged;
      merged["items"] = std::move(items);
      merged["next_cursor"] = nullptr;
      std::cout << json::serialize(merged) << '\n';
    }
    return;
  }
  Table table(headers);
  for (const auto& it : items) table.addRow(row(it));
  std::cout << table.render();
  if (items.empty()) std::cerr << "no " << noun << " found\n";
  if (!cursor.empty()) std::cerr << "more " << noun << " exist: add --all, or --cursor " << cursor << '\n';
}

}  // namespace keyward::cli
