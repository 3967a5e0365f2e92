// serve.h — `keyward serve`: the composition root that wires store, index, services,
// router and server together, and the subcommand that configures it.
// Thread safety: runServe() blocks the calling thread until SIGINT/SIGTERM.
// Ownership: runServe() owns every component for the lifetime of the server.
#pragma once

#include <CLI/CLI.hpp>

#include "app/config.h"

namespace keyward::app {

int runServe(const Config& config);

// Adds the `serve` subcommand; when it runs, its exit status goes to `exit_code`.
void registerServe(CLI::App& app, int& exit_code);

}  // namespace keyward::app
