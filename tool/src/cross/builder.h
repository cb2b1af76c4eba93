// Builds (and tests) one program for many targets at once: each target in its own build
// directory, its output checked by machine type and collected as dist/NAME.OS.ARCH.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/result.h"
#include "cross/targets.h"
#include "cross/toolchain.h"

namespace xship::cross {

enum class BuildSystem { CMake, Make };

enum class TargetStatus {
  Built,         // built and checked; no tests asked for
  Passed,        // tests ran under the emulator and passed
  NoTests,       // tests asked for, the project has none
  NotRun,        // built, but nothing here can run it: never counted as passed
  TestsFailed,
  BuildFailed,
  NoOutput,      // the build succeeded but left no program at the expected path
  WrongMachine,  // the program is for another machine than the target
  NoToolchain,
  Cancelled,     // not started or stopped because another target failed
};
const char* status_name(TargetStatus s);
bool is_failure(TargetStatus s);

struct BuildRequest {
  std::vector<Target> targets;
  std::string name;                    // the program: NAME[.exe] in the build directory
  BuildSystem system = BuildSystem::CMake;
  std::string source_dir = ".";        // CMake source, or where the Make command runs
  std::string make_command;            // run with `sh -c`
  std::string make_test_command;       // the tests, run with `sh -c`; empty: make_command + " test"
  std::string out_dir = "dist";
  std::string build_root = "build/xship";
  std::string build_type = "Release";
  std::vector<std::string> cmake_args;
  int jobs = 0;                        // targets at once; 0: one per CPU
  bool keep_going = false;
  bool run_tests = false;
  bool static_link = false;
  std::chrono::seconds test_timeout{60};
  std::map<std::string, std::string> toolchain_files;  // "linux/arm64" -> FILE
  std::map<std::string, std::string> sysroots;         // "darwin/arm64" -> DIR
  Stamp stamp;
};

struct TargetResult {
  Target target;
  TargetStatus status = TargetStatus::Cancelled;
  double seconds = 0;
  double command_seconds = 0; // of that, in the build tools xship ran (the rest is xship's own)
  std::uint64_t size = 0;     // of the collected program
  std::string output;         // dist/NAME.OS.ARCH
  int tests_passed = -1;      // -1: not counted (Make reports only pass or fail)
  int tests_total = -1;
  std::string message;        // one line: why it failed or was not run
  std::string log;            // the build log, for the tail of a failure
};

// XSHIP_VERSION/XSHIP_COMMIT/SOURCE_DATE_EPOCH from the environment when set, else from
// git in `dir` (describe --tags --always --dirty, HEAD, the commit time).
Stamp read_stamp(const std::string& dir, const EnvLookup& env);

// The expected name of a target's collected program: NAME.OS.ARCH(.exe).
std::string dist_name(const std::string& name, const TargetInfo& info);

// Runs every target; `done` is called (serialised) as each finishes. An Error only for
// problems before any build (bad directories, a missing toolchain without --keep-going).
Result<std::vector<TargetResult>> run_builds(const BuildRequest& req, const Host& host,
                                             const std::function<void(const TargetResult&)>& done,
                                             const std::atomic<bool>* interrupt = nullptr);

}  // namespace xship::cross
