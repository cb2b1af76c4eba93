// The edge: picks the subcommand from the table and turns an Error into an exit code.
#include <fmt/format.h>
#include <malloc.h>

#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/cancel.h"
#include "core/closest.h"
#include "core/terminal.h"

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
    std::vector<std::string> names;
    for (const auto& c : cli::commands()) names.emplace_back(c.name);
    if (auto best = closest_match(name, names, 3))
      fmt::print(stderr, "xship: error: unknown command '{}', did you mean '{}'? (see 'xship help')\n", printable(name),
                 *best);
    else
      fmt::print(stderr, "xship: error: unknown command '{}': see 'xship help'\n", printable(name));
    return exit_code(ErrorCategory::Usage);
  }
  // libcurl allocates a transfer's buffers (the receive buffer is 512 KiB here) and frees
  // them when it ends. With glibc's default trim threshold every such free shrinks the
  // worker's arena (an madvise and a TLB shootdown per file); kept up to 4 MiB per arena,
  // they are reused. Blocks past 1 MiB still go straight back to the system when freed.
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  mallopt(M_TRIM_THRESHOLD, 4 << 20);
  // libcurl (and OpenSSL's TLS side) is initialised by the first S3 client, in the main
  // thread before any worker starts: commands without network (compress, build) skip it.
  Status st = install_signal_handlers();
  if (st) st = cmd->run(argc - 1, argv + 1);
  std::fflush(stdout);
  if (st) return 0;
  if (cancel_flag().load()) {
    fmt::print(stderr, "xship: interrupted: {}\n", printable(st.error().message));
    return exit_code(ErrorCategory::Interrupted);
  }
  // Messages carry server text and file names: escaped here, so each error is one inert line.
  fmt::print(stderr, "xship: error: {}\n", printable(st.error().message));
  return exit_code(st.error().category);
}
