// Builds (and tests) a project for many targets at once: each target in its own build
// directory (Make projects in their own copy of the source tree), its programs and files
// staged as the release will hold them, each checked for its machine and for what it needs
// at run time. Writing the release (archives, dist/NAME.OS.ARCH) is the release room's job.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "cross/artifact.h"
#include "cross/binfmt.h"
#include "cross/targets.h"
#include "cross/toolchain.h"

namespace xship::cross {

enum class BuildSystem { CMake, Make };

// How a program gets its C and C++ runtime. Portable (the default for what xship ships):
// libstdc++ linked in on Linux (a newer libstdc++ than the system's is what most often
// breaks on older systems; glibc stays shared and its version is reported), everything
// static on Windows (a mingw program linked the default way imports libstdc++-6.dll,
// libgcc_s_seh-1.dll and libwinpthread-1.dll, which no Windows machine has).
enum class Runtime {
  Portable,
  Shared,  // --shared-runtime: the toolchain's defaults
  Static,  // --static: fully static programs (Linux and Windows)
};

enum class TargetStatus {
  Built,  // built and checked; no tests asked for
  Passed,  // tests ran under the emulator and passed
  NoTests,  // tests asked for, the project has none
  NotRun,  // built, but nothing here can run it: never counted as passed
  TestsFailed,
  BuildFailed,
  NoOutput,  // the build succeeded but left no program at the expected path
  WrongMachine,  // the program is for another machine than the target
  NotPortable,  // it needs a DLL it does not ship, or a newer glibc than --max-glibc
  NoToolchain,
  Cancelled,  // not started or stopped because another target failed
};
const char* status_name(TargetStatus s);
bool is_failure(TargetStatus s);
// A failure of the output itself (wrong machine, not portable), not of the build: exit 3.
bool is_integrity_failure(TargetStatus s);

struct BuildRequest {
  std::vector<Target> targets;
  std::string name;  // the release: archives are named after it; the default program
  std::vector<std::string> programs;  // programs to collect: names (found in the build tree) or paths
                                      // relative to it ("src/lua"); empty: {name}
  std::vector<std::string> files;  // README, LICENSE, docs/: copied beside the programs of every target
  bool install = false;  // CMake: the release is what `cmake --install` puts in a prefix
  bool copy_tree = true;  // Make: build in a copy of the source tree per target
  BuildSystem system = BuildSystem::CMake;
  std::string source_dir = ".";  // CMake source, or where the Make command runs
  std::string make_command;  // run with `sh -c`
  std::string make_test_command;  // the tests, run with `sh -c`; empty: make_command + " test"
  std::string out_dir = "dist";
  std::string build_root = "build/xship";
  std::string build_type = "Release";
  std::vector<std::string> cmake_args;
  int jobs = 0;  // targets at once; 0: one per CPU
  bool keep_going = false;
  bool run_tests = false;
  Runtime runtime = Runtime::Portable;
  std::string max_glibc;  // "2.31": a Linux program needing more fails the target
  std::chrono::seconds test_timeout{60};
  std::map<std::string, std::string> toolchain_files;  // "linux/arm64" -> FILE
  std::map<std::string, std::string> sysroots;  // "darwin/arm64" -> DIR
  Stamp stamp;
  // Set: before tests run, foreign programs are made to run directly (binfmt.h) where
  // xship may; unset (unit tests): binfmt_misc is left alone.
  std::optional<BinfmtIo> binfmt;
};

struct TargetResult {
  Target target;
  TargetStatus status = TargetStatus::Cancelled;
  double seconds = 0;
  double command_seconds = 0;  // of that, in the build tools xship ran (the rest is xship's own)
  std::string stage;  // build/xship/OS_ARCH/xship-stage: exactly what the release holds
  std::vector<std::string> programs;  // the programs in it, relative to the stage
  Requirements needs;  // what the staged programs and libraries need at run time
  std::uint64_t size = 0;  // of the release artifact (set when it is written)
  std::string output;  // the artifact: dist/NAME.OS.ARCH or the archive (set when written)
  std::vector<std::string> outputs;  // every file written for the target (several raw programs)
  bool direct = false;  // tests could start the target's programs directly (binfmt_misc)
  std::string direct_off;  // why they could not, when tests ran under an emulator
  int tests_passed = -1;  // -1: not counted (Make reports only pass or fail)
  int tests_total = -1;
  std::string message;  // one line: why it failed or was not run
  std::string log;  // the build log, for the tail of a failure
};

// XSHIP_VERSION/XSHIP_COMMIT/SOURCE_DATE_EPOCH from the environment when set, else from
// git in `dir` (process/build_stamp.h); a Usage error for a SOURCE_DATE_EPOCH that is no time.
Result<Stamp> read_stamp(const std::string& dir, const EnvLookup& env);

// The expected name of a target's collected program: NAME.OS.ARCH(.exe).
std::string dist_name(const std::string& name, const TargetInfo& info);

// Runs every target; `done` is called (serialised) as each finishes. An Error only for
// problems before any build (bad directories, a missing toolchain without --keep-going).
Result<std::vector<TargetResult>> run_builds(const BuildRequest& req, const Host& host,
                                             const std::function<void(const TargetResult&)>& done,
                                             const std::atomic<bool>* interrupt = nullptr);

}  // namespace xship::cross
