#include <algorithm>
#include <boost/json.hpp>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cli/common_options.h"
#include "cli/http_client.h"
#include "cli/json_fields.h"
#include "cli/nouns.h"
#include "cli/output.h"
#include "cli/printing.h"
#include "cli/requests.h"
#include "cli/session.h"

namespace keyward::cli {
namespace {

struct AuditOptions {
  std::string tenant;
  std::string action;
  std::string actor;
  std::string target;
  std::string since;
  std::string until;
  std::string output;
};

void addAuditFilters(CLI::App* cmd, AuditOptions& o) {
  cmd->add_option("--action", o.action, "Only this action, e.g. key.revoke");
  cmd->add_option("--actor", o.actor, "Only events by this actor (key or user id)");
  cmd->add_option("--target", o.target, "Only events about this object id");
  cmd->add_option("--since", o.since, "From this RFC 3339 time (inclusive)");
  cmd->add_option("--until", o.until, "Before this RFC 3339 time");
}

// "&name=value..." for the filters given (runList turns the first '&' into '?').
std::string auditQuery(const AuditOptions& o) {
  std::string q;
  for (auto [name, value] :
       {std::pair{"action", &o.action}, std::pair{"actor", &o.actor}, std::pair{"target", &o.target},
        std::pair{"since", &o.since}, std::pair{"until", &o.until}}) {
    if (!value->empty()) q += std::string("&") + name + "=" + encode(*value);
  }
  return q;
}

std::string auditPath(const AuditOptions& o) { return "/v1/tenants/" + encode(o.tenant) + "/audit"; }

std::vector<std::string> auditRow(const json::value& e) {
  return {field(e, "seq"),    field(e, "at"),      field(e, "actor"),    field(e, "action"),
          field(e, "target"), field(e, "outcome"), field(e, "client_ip")};
}

}  // namespace

void registerAudit(CLI::App& app, int& exit_code) {
  auto* audit = app.add_subcommand("audit", "Search, verify and export a tenant's hash-chained audit log");
  audit->require_subcommand(1);
  {
    auto* cmd = audit->add_subcommand("list", "Search the audit log, oldest first");
    auto o = std::make_shared<AuditOptions>();
    auto l = std::make_shared<ListOptions>();
    addTenantOption(cmd, o->tenant);
    addAuditFilters(cmd, *o);
    addListOptions(cmd, *l);
    auto g = addConnectionOptions(cmd);
    cmd->callback(guarded(exit_code, [o, l, g, &exit_code] {
      Session s(*g, exit_code);
      runList(s, auditPath(*o), auditQuery(*o), *l, {"SEQ", "AT", "ACTOR", "ACTION", "TARGET", "OUTCOME", "FROM"},
              auditRow, "audit events");
    }));
  }
  {
    auto* cmd =
        audit->add_subcommand("verify",
                              "Recompute the tenant's hash chain; exit 0 when intact, 1 with the first broken link");
    auto o = std::make_shared<AuditOptions>();
    addTenantOption(cmd, o->tenant);
    auto g = addConnectionOptions(cmd);
    cmd->callback(guarded(exit_code, [o, g, &exit_code] {
      Session s(*g, exit_code);
      auto r = s.call("GET", auditPath(*o) + "/verify");
      if (!r) return;
      const auto* doc = r->doc.if_object();
      const bool intact = doc && doc->contains("intact") && doc->at("intact").is_bool() && doc->at("intact").as_bool();
      if (s.json()) {
        s.printRaw(*r);
      } else if (intact) {
        std::cout << "intact: " << field(r->doc, "events") << " events checked\n";
      } else {
        const json::value brk = doc && doc->contains("first_break") ? doc->at("first_break") : json::value();
        std::cout << "BROKEN: first break at event " << field(brk, "seq") << " (" << field(brk, "event_id")
                  << "): " << field(brk, "reason") << "; " << field(r->doc, "events") << " events checked\n";
      }
      if (!intact) s.setExit(kExitRefused);
    }));
  }
  {
    auto* cmd = audit->add_subcommand("export", "Write matching events as JSON Lines (for SIEM ingestion)");
    auto o = std::make_shared<AuditOptions>();
    addTenantOption(cmd, o->tenant);
    addAuditFilters(cmd, *o);
    cmd->add_option("--output,-o", o->output, "Write to this file instead of standard output");
    auto g = addConnectionOptions(cmd);
    cmd->callback(guarded(exit_code, [o, g, &exit_code] {
      Session s(*g, exit_code);
      std::string q = auditQuery(*o);
      if (!q.empty()) q[0] = '?';
      // Streamed to the output as it arrives: an export of any size needs no memory for it.
      std::ofstream file;
      if (!o->output.empty()) {
        file.open(o->output, std::ios::binary | std::ios::trunc);
        if (!file) {
          s.usage("cannot write " + sanitize(o->output));
          return;
        }
      }
      std::ostream& out = o->output.empty() ? std::cout : file;
      std::int64_t lines = 0;
      const BodySink sink = [&](std::string_view chunk) {
        lines += std::count(chunk.begin(), chunk.end(), '\n');
        out.write(chunk.data(), std::streamsize(chunk.size()));
        return bool(out);
      };
      auto r = s.call("GET", auditPath(*o) + "/export" + q, nullptr, false, &sink);
      if (!r) return;
      if (!out.flush()) {
        s.usage("cannot write " + sanitize(o->output.empty() ? std::string("standard output") : o->output));
        return;
      }
      if (!o->output.empty()) std::cerr << "wrote " << lines << " events to " << sanitize(o->output) << '\n';
    }));
  }
}

}  // namespace keyward::cli
