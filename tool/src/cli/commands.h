// The subcommand table: `xship help` and the dispatch both read it, so they cannot
// disagree (ninja's -t tools).
#pragma once
#include <span>
#include <string>

#include "core/result.h"

namespace xship::cli {

struct Command {
  const char* name;
  const char* summary;
  // argv[0] is the subcommand name.
  Status (*run)(int argc, char** argv);
};

std::span<const Command> commands();
const Command* find_command(const std::string& name);
std::string usage_text();

Status run_publish(int argc, char** argv);
Status run_fetch(int argc, char** argv);
Status run_presign(int argc, char** argv);
Status run_prune(int argc, char** argv);
Status run_cross_targets(int argc, char** argv);
Status run_cross_env(int argc, char** argv);
Status run_cross_toolchain(int argc, char** argv);
Status run_cross_deps(int argc, char** argv);
Status run_cross_build(int argc, char** argv);
Status run_cross_test(int argc, char** argv);
Status run_cross_clean(int argc, char** argv);
Status run_compress(int argc, char** argv);
Status run_credentials(int argc, char** argv);
Status run_keygen(int argc, char** argv);
Status run_verify(int argc, char** argv);

}  // namespace xship::cli
