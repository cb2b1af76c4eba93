// The steps of one target's build, for builder.cpp: configure/build/test with CMake or
// Make (in the target's copy of the tree), install, stage and check. Internal to the
// cross room.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "cross/builder.h"
#include "cross/source_mirror.h"

namespace xship::cross::detail {

struct Job {
  const TargetInfo* info;
  Toolchain tc;
  TargetResult res;
  std::string dir;  // build/xship/OS_ARCH, absolute
  std::string tree;  // where the build runs: the source dir, its copy (Make) or `dir` (CMake)
};

struct Context {
  const BuildRequest& req;
  const Host& host;
  std::string source, out, root;  // absolute: the project, the dist and the build directories
  std::string generator;  // Ninja when there, else Unix Makefiles
  int build_jobs = 1;  // parallelism inside one target's build
  std::function<bool()> should_stop;
  std::shared_ptr<const MirrorListing> listing;  // the source files, listed once for every target's copy
};

// Each runs its step and, when it fails, fills in the result (status, message) and
// returns false.
bool build_cmake(Job& job, const Context& ctx, bool& tests_ran);
bool build_make(Job& job, const Context& ctx, bool& tests_ran);
bool stage(Job& job, const Context& ctx);

// "100% tests passed, 0 tests failed out of 3" in the log -> passed, total.
std::pair<int, int> ctest_counts(const std::string& log);
// The log's first line, written before any step.
void start_log(const Job& job);

}  // namespace xship::cross::detail
