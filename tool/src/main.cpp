// The edge: picks the subcommand from the table and turns an Error into an exit code.
#include <fmt/format.h>

#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "core/cancel.h"
#include "net/http.h"

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

int main(int argc, char** argv) {
  using namespace xship;
  if (argc < 2) {
    fmt::print(stderr, "{}", cli::usage_text());
    return exit_code(ErrorCategory::Usage);
  }
  std::string name = argv[1];
  if (name == "--help" || name == "-h") name = "help";
  if (name == "--version") name = "version";
  const cli::Command* cmd = cli::find_command(name);
  if (!cmd) {
    const cli::Command* best = nullptr;
    std::size_t best_d = 3;
    for (const auto& c : cli::commands())
      if (auto d = edit_distance(name, c.name); d < best_d) best = &c, best_d = d;
    if (best)
      fmt::print(stderr, "xship: error: unknown command '{}', did you mean '{}'? (see 'xship help')\n", name, best->name);
    else
      fmt::print(stderr, "xship: error: unknown command '{}': see 'xship help'\n", name);
    return exit_code(ErrorCategory::Usage);
  }
  net::global_init();
  install_signal_handlers();
  Status st = cmd->run(argc - 1, argv + 1);
  std::fflush(stdout);
  if (st) return 0;
  if (cancel_flag().load()) {
    fmt::print(stderr, "xship: interrupted: {}\n", st.error().message);
    return exit_code(ErrorCategory::Interrupted);
  }
  fmt::print(stderr, "xship: error: {}\n", st.error().message);
  return exit_code(st.error().category);
}
