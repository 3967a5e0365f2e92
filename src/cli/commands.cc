#include "cli/commands.h"

namespace keyward::cli {

void registerCommands(CLI::App&, int&) {}

}  // namespace keyward::cli
