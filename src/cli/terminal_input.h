// terminal_input.h — secrets typed by the user: an API key to verify and a user's password, read
// from stdin without echo on a terminal, never from an argument (ps, shell history).
// Thread safety: used from main() only; switches the terminal's echo off while reading.
// Ownership: values only.
#pragma once

#include <optional>
#include <string>

#include "cli/session.h"

namespace keyward::cli {

// Reads the key to verify from stdin: a secret passed as an argument is visible in ps and
// lands in shell history.
std::string readKeyFromStdin();

// A user's password: never an argument value (ps, shell history). With --password-stdin
// the first line of stdin, without a prompt; otherwise typed twice on a terminal, or the
// first line of stdin when it is not one. Kept byte for byte apart from the line end:
// spaces may be part of a password. An empty optional means a usage error was reported.
std::optional<std::string> readPassword(Session& s, bool from_stdin);

}  // namespace keyward::cli
