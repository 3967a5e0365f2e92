// common_options.h — the options that many CLI commands take: the connection and output
// settings every command has (--addr, --token, --ca-file, --json), --tenant, the paging
// options of lists, and repeatable options that take one value per flag.
// Thread safety: used from main() only. Ownership: the options write into the variables passed
// in, which must outlive the CLI::App (callers keep them in shared_ptrs captured by the callback).
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

namespace keyward::cli {

// Connection and output settings. Each leaf command owns its own instance: CLI11 applies
// environment variables to the options of every subcommand, parsed or not, so options of
// different commands bound to one variable would overwrite a value given on the command line.
struct Globals {
  std::string addr = "http://127.0.0.1:8420";
  std::string token;
  std::string ca_file;
  bool json = false;
};

std::shared_ptr<Globals> addConnectionOptions(CLI::App* cmd);

// --tenant, required, defaulting to KEYWARD_TENANT.
void addTenantOption(CLI::App* cmd, std::string& tenant);

struct ListOptions {
  int limit = 0;  // 0: the server's default page size
  std::string cursor;
  bool all = false;
};

void addListOptions(CLI::App* cmd, ListOptions& o);

CLI::Option* addRepeatable(CLI::App* cmd, const std::string& name, std::vector<std::string>& into,
                           const std::string& help);

}  // namespace keyward::cli
