#include "cli/commands.h"

#include <fmt/format.h>

#include <array>

namespace xship::cli {

namespace {
Status run_help(int, char**) {
  fmt::print("{}", usage_text());
  return ok_status();
}
Status run_version(int, char**) {
  fmt::print("xship {}\n", XSHIP_VERSION_STRING);
  return ok_status();
}

constexpr std::array kCommands = {
    Command{"publish", "upload files to S3 with MD5-verified PUTs, then SHA256SUMS and manifest.json", run_publish},
    Command{"fetch", "download objects (or a whole manifest) and verify MD5/SHA-256 before keeping them", run_fetch},
    Command{"version", "print xship's version", run_version},
    Command{"help", "list the commands and the exit codes", run_help},
};
}  // namespace

std::span<const Command> commands() { return kCommands; }

const Command* find_command(const std::string& name) {
  for (const auto& c : kCommands)
    if (name == c.name) return &c;
  return nullptr;
}

std::string usage_text() {
  std::string s = "usage: xship COMMAND [OPTIONS]   (xship COMMAND --help for a command's options)\n\ncommands:\n";
  for (const auto& c : kCommands) s += fmt::format("  {:<10} {}\n", c.name, c.summary);
  s += "\nexit codes:\n"
       "  0    success\n"
       "  1    runtime failure (network, server, filesystem)\n"
       "  2    bad usage or input (flags, paths, templates, missing bucket)\n"
       "  3    integrity failure (a checksum or ETag did not match)\n"
       "  4    credentials or permission (missing keys, wrong secret, access denied)\n"
       "  130  interrupted (SIGINT/SIGTERM); multipart uploads in flight were aborted\n";
  return s;
}

}  // namespace xship::cli
