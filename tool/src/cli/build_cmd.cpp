// `xship build | test`: flags -> a BuildRequest and PackageOptions -> the cross room builds,
// tests and stages every target -> the release room writes dist -> a results table.
#include <fmt/format.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/commands.h"
#include "cli/connection.h"  // parse_args, relative_to_cwd
#include "compress/compress.h"
#include "core/cancel.h"
#include "core/env.h"
#include "core/units.h"
#include "cross/binary_deps.h"
#include "cross/builder.h"
#include "process/process.h"
#include "release/package.h"

namespace fs = std::filesystem;

namespace xship::cli {

namespace {

using namespace xship::cross;

// "OS/ARCH=VALUE" flags (--toolchain, --sysroot) -> map keyed by the canonical name.
Result<std::map<std::string, std::string>> parse_target_values(const std::vector<std::string>& items,
                                                               const char* flag) {
  std::map<std::string, std::string> out;
  for (const auto& item : items) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
      return usage_error(fmt::format("{} '{}' is not OS/ARCH=PATH: e.g. {} linux/arm64=/path", flag, item, flag));
    auto t = parse_target(item.substr(0, eq));
    if (!t) return t.error();
    out[t->name()] = item.substr(eq + 1);
  }
  return out;
}

void print_table(const std::vector<TargetResult>& results) {
  fmt::print("\n{:<15} {:<14} {:>8} {:>10}  {:<6}  {:<24}  {}\n", "TARGET", "STATUS", "SECONDS", "SIZE", "TESTS",
             "REQUIRES", "OUTPUT");
  for (const auto& r : results) {
    std::string tests = r.tests_total >= 0 ? fmt::format("{}/{}", r.tests_passed, r.tests_total) : "-";
    std::string needs = r.stage.empty() ? "-" : describe(r.needs);
    std::string output = "-";
    if (!r.outputs.empty()) {
      output = relative_to_cwd(r.outputs.front());
      if (r.outputs.size() > 1) output += fmt::format(" (+{} more)", r.outputs.size() - 1);
    }
    fmt::print("{:<15} {:<14} {:>8.1f} {:>10}  {:<6}  {:<24}  {}\n", r.target.name(), status_name(r.status), r.seconds,
               r.size ? human_size(r.size) : "-", tests, needs, output);
  }
  for (const auto& r : results)
    if (r.status == TargetStatus::NotRun) fmt::print("{}: not run: {}\n", r.target.name(), r.message);
}

nlohmann::json results_json(const std::vector<TargetResult>& results) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : results) {
    nlohmann::json needs =
        artifact_json(ArtifactInfo{r.target, ArtifactKind::Program, "", {}, {}, r.needs})["requires"];
    out.push_back({{"target", r.target.name()},
                   {"status", status_name(r.status)},
                   {"seconds", r.seconds},
                   {"command_seconds", r.command_seconds},
                   {"size", r.size},
                   {"output", r.output},
                   {"outputs", r.outputs},
                   {"programs", r.programs},
                   {"requires", r.stage.empty() ? nlohmann::json() : needs},
                   {"tests_passed", r.tests_passed},
                   {"tests_total", r.tests_total},
                   {"message", r.message},
                   {"log", r.log}});
  }
  return out;
}

// The command's exit: 0 when every target is fine, else the first failure's message, as an
// integrity error when every failure is one of the output itself (exit 3).
Status outcome(const std::vector<TargetResult>& results) {
  std::vector<const TargetResult*> failed;
  for (const auto& r : results)
    if (is_failure(r.status)) failed.push_back(&r);
  if (failed.empty()) return ok_status();
  for (const auto* r : failed) {
    if (r->status == TargetStatus::Cancelled || r->status == TargetStatus::NoToolchain ||
        is_integrity_failure(r->status) || !fs::exists(r->log))
      continue;
    fmt::print(stderr, "\n---- {} ({}), last lines of {} ----\n{}", r->target.name(), status_name(r->status),
               relative_to_cwd(r->log), process::tail_lines(r->log, 25));
  }
  std::string names;
  bool all_integrity = true;
  for (const auto* r : failed) {
    names += fmt::format("{}{} ({})", names.empty() ? "" : ", ", r->target.name(), status_name(r->status));
    all_integrity = all_integrity && is_integrity_failure(r->status);
  }
  std::string msg = fmt::format("{} of {} targets failed: {}; first: {}", failed.size(), results.size(), names,
                                failed.front()->message);
  return all_integrity ? integrity_error(msg) : runtime_error(msg);
}

struct BuildFlagsText {
  std::string targets, cmake_dir, make_cmd, format = "none", archive = "auto";
  std::vector<std::string> exclude, toolchains, sysroots;
  bool json = false, shared_runtime = false, static_link = false, out_of_tree = false;
  int timeout = 60;
};

// What to build and how: the targets, the project and its build command.
void add_project_flags(CLI::App& app, BuildRequest& req, BuildFlagsText& f, bool test) {
  app.add_option("--targets", f.targets, "Comma-separated OS/ARCH list, 'all' or 'linux/*'")->required();
  app.add_option("--name", req.name,
                 "The release's name (archives are NAME_VERSION_OS_ARCH); the program, unless "
                 "--programs says otherwise")
      ->required();
  app.add_option("--programs", req.programs,
                 "The programs to ship: names found in the build tree, or paths in it "
                 "(src/lua); default: NAME")
      ->delimiter(',');
  app.add_option("--files", req.files, "Files or directories shipped beside the programs (README, LICENSE, docs/)")
      ->delimiter(',');
  auto* cmake_opt = app.add_option("--cmake", f.cmake_dir, "Build the CMake project in this directory");
  app.add_flag("--install", req.install,
               "CMake: ship what the project's install rules install (bin/, lib/, include/, "
               "share/)")
      ->needs(cmake_opt);
  auto* make_opt = app.add_option("--make", f.make_cmd,
                                  "Build with this command (CC, CPPFLAGS, XSHIP_OUT... set; through "
                                  "sh only when it needs a shell, as make does); tests run it with "
                                  "'test' appended")
                       ->excludes(cmake_opt);
  app.add_flag("--out-of-tree", f.out_of_tree,
               "Make: the command writes only below $XSHIP_OUT, so it runs in the source "
               "tree itself instead of a copy per target")
      ->needs(make_opt);
  if (test)
    app.add_option("--make-test", req.make_test_command,
                   "Run the tests with this command instead (same environment, "
                   "plus XSHIP_EMULATOR)")
        ->excludes(cmake_opt);
  else
    app.add_option("--format", f.format,
                   "Compress programs shipped alone: gz, zst or none (NAME.OS.ARCH.gz, hashed for "
                   "publish)")
        ->capture_default_str();
}

// What comes out (archives, compression, where), linking, and how the targets run.
void add_output_flags(CLI::App& app, BuildRequest& req, release::PackageOptions& pkg, BuildFlagsText& f, bool test) {
  app.add_option("--archive", f.archive,
                 "Per-target archive: tar.gz, tar.zst, zip (windows always gets zip), none, or "
                 "auto (an archive when there is more than one program)")
      ->capture_default_str();
  app.add_option("--archive-name", pkg.name_template,
                 "Archive name template: {name} {version} {os} {arch} {commit} "
                 "{short_commit}")
      ->capture_default_str();
  app.add_option("--out", req.out_dir, "Where the releases are written")->capture_default_str();
  app.add_option("--build-dir", req.build_root, "Per-target build directories go below this")->capture_default_str();
  app.add_option("-j,--jobs", req.jobs, "Targets built at once (default: one per CPU)")->check(CLI::Range(1, 256));
  app.add_flag("-k,--keep-going", req.keep_going, "Finish the other targets when one fails");
  auto* st = app.add_flag("--static", f.static_link, "Link fully statically (Linux and Windows)");
  app.add_flag("--shared-runtime", f.shared_runtime,
               "Link the C++ runtime the toolchain's way (by default "
               "libstdc++ is linked in on Linux, everything on Windows)")
      ->excludes(st);
  app.add_option("--max-glibc", req.max_glibc, "Fail a Linux target whose programs need a newer glibc (e.g. 2.31)");
  app.add_option("--exclude", f.exclude, "Leave a target out (repeatable)");
  app.add_option("--toolchain", f.toolchains, "OS/ARCH=FILE: your own CMake toolchain file for a target (repeatable)");
  app.add_option("--sysroot", f.sysroots,
                 "OS/ARCH=DIR: SDK or sysroot for darwin, windows/arm64, freebsd (repeatable)");
  app.add_option("--build-type", req.build_type, "CMAKE_BUILD_TYPE")->capture_default_str();
  app.add_option("--cmake-arg", req.cmake_args, "Extra argument for the CMake configure step (repeatable)");
  if (test)
    app.add_option("--test-timeout", f.timeout, "Seconds each test may run under the emulator")->capture_default_str();
  app.add_flag("--json", f.json, "Print the results as JSON on stdout instead of the table");
}

void add_flags(CLI::App& app, BuildRequest& req, release::PackageOptions& pkg, BuildFlagsText& f, bool test) {
  add_project_flags(app, req, f, test);
  add_output_flags(app, req, pkg, f, test);
}

// Flags -> typed values, every check that needs no build done here.
Status finish_request(BuildRequest& req, release::PackageOptions& pkg, const BuildFlagsText& f) {
  if (f.format != "none") {
    pkg.format = compress::parse_format(f.format);
    if (!pkg.format) return usage_error(fmt::format("unknown --format '{}': use gz, zst or none", f.format));
  }
  auto archive = release::parse_archive_choice(f.archive);
  if (!archive) return archive.error();
  pkg.archive = *archive;
  if (!req.make_test_command.empty() && f.make_cmd.empty())
    return usage_error("--make-test needs --make: it replaces the Make project's test command");
  if (!req.max_glibc.empty() && !version_numbers(req.max_glibc, ""))
    return usage_error(fmt::format("--max-glibc '{}' is not a version: write it as 2.31", req.max_glibc));
  std::erase(req.programs, "");
  std::erase(req.files, "");
  auto targets = parse_target_list(f.targets, f.exclude);
  if (!targets) return targets.error();
  req.targets = std::move(*targets);
  auto tcs = parse_target_values(f.toolchains, "--toolchain");
  if (!tcs) return tcs.error();
  auto srs = parse_target_values(f.sysroots, "--sysroot");
  if (!srs) return srs.error();
  req.toolchain_files = std::move(*tcs);
  req.sysroots = std::move(*srs);
  req.test_timeout = std::chrono::seconds(f.timeout);
  req.runtime = f.static_link ? Runtime::Static : f.shared_runtime ? Runtime::Shared : Runtime::Portable;
  if (!f.make_cmd.empty()) {
    req.system = BuildSystem::Make;
    req.make_command = f.make_cmd;
    req.copy_tree = !f.out_of_tree;
  } else {
    req.source_dir = f.cmake_dir.empty() ? "." : f.cmake_dir;
  }
  pkg.out_dir = req.out_dir;
  pkg.name = req.name;
  pkg.threads = compress::default_threads();
  return ok_status();
}

Status run_build_or_test(int argc, char** argv, bool test) {
  CLI::App app{test ? "Build for each target, then run the project's tests under the target's emulator."
                    : "Build a CMake or Make project for each target; write its release into dist.",
               test ? "test" : "build"};
  BuildRequest req;
  req.run_tests = test;
  release::PackageOptions pkg;
  BuildFlagsText f;
  add_flags(app, req, pkg, f, test);
  auto parsed = parse_args(app, argc, argv);
  if (!parsed) return parsed.error();
  if (!*parsed) return ok_status();
  XSHIP_TRY(finish_request(req, pkg, f));

  Host host = real_host(process_env());
  auto stamp = read_stamp(req.source_dir, host.env);
  if (!stamp) return stamp.error();
  req.stamp = std::move(*stamp);
  if (test) req.binfmt = real_binfmt_io(host.env);
  pkg.stamp = req.stamp;
  auto choice = release::resolve_archive(pkg, req);
  if (!choice) return choice.error();

  auto on_done = [&](const TargetResult& r) {
    if (f.json) return;
    fmt::print(stderr, "xship: {}: {} in {:.1f} s{}\n", r.target.name(), status_name(r.status), r.seconds,
               is_failure(r.status) && !r.message.empty() ? ": " + r.message : "");
  };
  auto results = run_builds(req, host, on_done, &cancel_flag());
  if (!results) return results.error();
  // Said once: tests that start a foreign program by path or from a script cannot work.
  for (const auto& r : *results)
    if (!r.direct_off.empty()) {
      fmt::print(stderr,
                 "xship: note: {} programs cannot be started directly ({}): tests that run them by path or from "
                 "scripts fail; CMake tests of targets and $XSHIP_EMULATOR still work\n",
                 r.target.name(), r.direct_off);
      break;
    }
  compress::DigestCache cache(compress::default_digest_cache_path(process_env()));
  XSHIP_TRY(release::package(*results, pkg, *choice, cache));
  if (f.json)
    fmt::print("{}\n", results_json(*results).dump(2));
  else
    print_table(*results);
  return outcome(*results);
}

}  // namespace

Status run_cross_build(int argc, char** argv) { return run_build_or_test(argc, argv, false); }
Status run_cross_test(int argc, char** argv) { return run_build_or_test(argc, argv, true); }

}  // namespace xship::cli
