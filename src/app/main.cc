// keyward — one binary: `keyward serve` runs the server; the other subcommands are the CLI,
// which talks to a running server over its REST API (like the vault or kubectl CLIs).
#include <CLI/CLI.hpp>
#include <iostream>

#include "app/serve.h"
#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "keyward — self-hostable, multi-tenant API key management.\n"
      "Run `keyward serve` to start the server; the other commands call its REST API.",
      "keyward"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("keyward ") + KEYWARD_VERSION);
  int exit_code = 0;
  keyward::app::registerServe(app, exit_code);
  keyward::cli::registerCommands(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help/--version exit 0; every usage error exits 2, as documented, not CLI11's own codes.
    return app.exit(e) == 0 ? 0 : 2;
  }
  return exit_code;
}
