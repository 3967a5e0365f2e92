#include "cli/terminal_input.h"

#include <termios.h>
#include <unistd.h>

#include <iostream>

namespace keyward::cli {
namespace {

std::string trim(std::string s) {
  const char* ws = " \t\r\n";
  const size_t b = s.find_first_not_of(ws);
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

// Reads one line of stdin without its line end. On a terminal the typed text is not
// echoed, and `prompt` (when not null) is shown on stderr first.
std::string readSecretLine(const char* prompt) {
  std::string line;
  termios old{};
  const bool have_tty = ::isatty(STDIN_FILENO) && ::tcgetattr(STDIN_FILENO, &old) == 0;
  if (have_tty) {
    termios quiet = old;
    quiet.c_lflag &= ~tcflag_t(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    if (prompt) std::cerr << prompt << std::flush;
  }
  std::getline(std::cin, line);
  if (have_tty) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    std::cerr << '\n';
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace

std::string readKeyFromStdin() { return trim(readSecretLine("API key: ")); }

std::optional<std::string> readPassword(Session& s, bool from_stdin) {
  const bool ask = !from_stdin && ::isatty(STDIN_FILENO);
  std::string password = readSecretLine(ask ? "Password: " : nullptr);
  if (ask && readSecretLine("Repeat the password: ") != password) {
    s.usage("the two passwords differ");
    return std::nullopt;
  }
  if (password.empty()) {
    s.usage("no password given: type it when asked, or pipe it with --password-stdin");
    return std::nullopt;
  }
  return password;
}

}  // namespace keyward::cli
