#include "cross/compiler_version.h"

#include <fmt/format.h>

#include <chrono>

#include "process/process.h"

namespace xship::cross {

std::string compiler_version(const Target& t) {
  const TargetInfo& info = target_info(t);
  if (!info.cc) return "unknown: no Debian compiler (built with an SDK, a sysroot or zig)";
  process::Command cmd;
  cmd.argv = {info.cc, "--version"};
  cmd.discard_stderr = true;
  cmd.timeout = std::chrono::seconds(10);
  auto r = process::run(cmd);
  if (!r || !r->success()) return fmt::format("unknown: {} is not installed where the release was signed", info.cc);
  std::string line = r->output.substr(0, r->output.find('\n')).substr(0, 200);
  for (auto& c : line)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return line;
}

}  // namespace xship::cross
