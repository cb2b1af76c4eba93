// `xship targets | env | toolchain | deps | build | test`: flags -> typed requests -> the
// cross room -> a results table.
#include <fmt/format.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/commands.h"
#include "cli/connection.h"  // parse_args
#include "core/cancel.h"
#include "compress/digest_cache.h"
#include "core/env.h"
#include "core/file_stamp.h"
#include "cross/binfmt.h"
#include "cross/builder.h"
#include "cross/deps.h"
#include "cross/deps_install.h"
#include "cross/toolchain.h"

namespace fs = std::filesystem;

namespace xship::cli {

namespace {

using namespace xship::cross;

// ---- targets ------------------------------------------------------------------------

Status run_targets(int argc, char** argv) {
  CLI::App app{"List every known target, its triple, compiler, emulator, and whether it is ready here.", "targets"};
  bool json = false;
  app.add_flag("--json", json, "Print a machine-readable list on stdout");
  auto parsed = parse_args(app, argc, argv);
  if (!parsed) return parsed.error();
  if (!*parsed) return ok_status();

  Host host = real_host(process_env());
  nlohmann::json out = nlohmann::json::array();
  BinfmtIo binfmt = real_binfmt_io(host.env);
  if (!json)
    fmt::print("{:<15} {:<26} {:<30} {:<13} {:<7} {}\n", "TARGET", "TRIPLE", "COMPILER", "EMULATOR", "DIRECT", "HERE");
  for (const auto& info : all_targets()) {
    auto tc = resolve_toolchain(info, host);
    std::string state = !tc ? "missing" : tc->runnable ? "ready" : "build only";
    std::string note = !tc ? tc.error().message : tc->runnable ? "" : tc->not_runnable;
    std::string compiler = info.cc ? info.cxx
                           : tc    ? fmt::format("{} (user SDK/zig)", fs::path(tc->cxx).filename().string())
                                   : "SDK/sysroot or zig";
    std::string emulator = !info.emulator ? "-" : *info.emulator ? info.emulator : "native";
    // Whether the kernel starts its programs directly (tests by path, scripts, ./prog).
    bool foreign = !binfmt_handler(info).empty();
    BinfmtState direct = foreign ? binfmt_state(info, binfmt) : BinfmtState{};
    std::string direct_text = !info.emulator ? "-" : !foreign ? "native" : direct.on ? "yes" : "no";
    if (json) {
      out.push_back({{"target", info.target.name()},
                     {"os", os_name(info.target.os)},
                     {"arch", arch_name(info.target.arch)},
                     {"triple", info.triple},
                     {"cc", info.cc ? info.cc : ""},
                     {"cxx", info.cxx ? info.cxx : ""},
                     {"emulator", info.emulator ? info.emulator : ""},
                     {"packages", info.packages},
                     {"emulator_packages", info.emulator_packages},
                     {"state", state},
                     {"buildable", tc.ok()},
                     {"runnable", tc.ok() && tc->runnable},
                     {"direct", direct_text},
                     {"direct_note", foreign && !direct.on ? direct.why : ""},
                     {"note", note}});
    } else {
      fmt::print("{:<15} {:<26} {:<30} {:<13} {:<7} {}{}\n", info.target.name(), info.triple, compiler, emulator,
                 direct_text, state, note.empty() ? "" : ": " + note);
    }
  }
  if (json) fmt::print("{}\n", out.dump(2));
  return ok_status();
}

// ---- env, toolchain -------------------------------------------------------------------

struct SingleTarget {
  std::string target, sysroot;
  bool static_link = false, shared_runtime = false;
};

void add_single_target_flags(CLI::App& app, SingleTarget& s) {
  app.add_option("target", s.target, "OS/ARCH, e.g. linux/arm64 (see 'xship targets')")->required();
  app.add_option("--sysroot", s.sysroot,
                 "SDK or sysroot for targets Debian has no toolchain for (darwin, windows/arm64, freebsd)");
  auto* st = app.add_flag("--static", s.static_link, "Link programs fully statically");
  app.add_flag("--shared-runtime", s.shared_runtime,
               "Link the C++ runtime the toolchain's way (by default "
               "libstdc++ is linked in on Linux, everything on Windows)")
      ->excludes(st);
}

Result<std::pair<Toolchain, BuildFlags>> single_target(const SingleTarget& s, const Host& host) {
  auto t = parse_target(s.target);
  if (!t) return t.error();
  auto tc = resolve_toolchain(target_info(*t), host, s.sysroot);
  if (!tc) return tc.error();
  auto stamp = read_stamp(".", host.env);
  if (!stamp) return stamp.error();
  BuildFlags flags;
  flags.stamp = std::move(*stamp);
  flags.static_link = s.static_link;
  flags.portable_runtime = !s.static_link && !s.shared_runtime;
  add_target_env_flags(flags, *t, host.env);
  std::error_code ec;
  flags.prefix_maps = {{fs::current_path(ec).string(), "."}};
  return std::pair{std::move(*tc), std::move(flags)};
}

// `env` and `toolchain` differ only in what they print.
Status run_single_target(int argc, char** argv, bool toolchain) {
  CLI::App app{toolchain ? "Print a CMake toolchain file for a target: xship toolchain linux/arm64 > arm64.cmake"
                         : "Print shell assignments for a target: eval \"$(xship env linux/arm64)\" && make",
               toolchain ? "toolchain" : "env"};
  SingleTarget s;
  add_single_target_flags(app, s);
  auto parsed = parse_args(app, argc, argv);
  if (!parsed) return parsed.error();
  if (!*parsed) return ok_status();
  Host host = real_host(process_env());
  auto r = single_target(s, host);
  if (!r) return r.error();
  auto& [tc, flags] = *r;
  if (toolchain) {
    fmt::print("{}", cmake_toolchain(tc, flags));
    return ok_status();
  }
  if (!tc.runnable) fmt::print("# {} programs cannot run here: {}\n", tc.info->target.name(), tc.not_runnable);
  fmt::print("{}", render_exports(make_environment(tc, flags, host.env)));
  return ok_status();
}

// ---- deps -----------------------------------------------------------------------------

// One line per needed package (and per target problem); returns the problems.
std::vector<std::string> print_survey(const DepsSurvey& survey) {
  std::vector<std::string> problems;
  for (const auto& d : survey.targets) {
    for (const auto& [p, have] : d.needs) {
      bool own = p.route == Route::PrivateSysroot;
      std::string state = have         ? "installed"
                          : p.optional ? fmt::format(
                                             "missing (optional: needs dpkg architecture {}; without it {} is "
                                             "built, not run)",
                                             p.arch, d.target.name())
                                       : "missing";
      fmt::print("{:<15} {:<34} {:<16} {}{}\n", d.target.name(), p.package, p.why, state,
                 own ? fmt::format(" (private sysroot {})", d.sysroot) : "");
    }
    if (!d.problem.empty()) {
      fmt::print("{:<15} {}\n", d.target.name(), d.problem);
      problems.push_back(fmt::format("{}: {}", d.target.name(), d.problem));
    }
  }
  return problems;
}

// Whether each emulated target runs directly through binfmt_misc; with --install, turned on.
void print_direct_runs(const std::vector<Target>& targets, const Host& host, bool install) {
  BinfmtIo binfmt = real_binfmt_io(host.env);
  for (Target t : targets) {
    const TargetInfo& info = target_info(t);
    if (binfmt_handler(info).empty() || info.machine == Machine::I386) continue;
    BinfmtState s = install ? ensure_binfmt(info, binfmt) : binfmt_state(info, binfmt);
    fmt::print("{:<15} {:<34} {:<16} {}\n", t.name(), binfmt_handler(info), "direct runs",
               s.on ? "on" : "off: " + s.why);
  }
}

Status run_deps(int argc, char** argv) {
  CLI::App app{"Check (or --install) the compilers, emulators and target libraries the targets need.", "deps"};
  std::string targets_text;
  std::vector<std::string> exclude, libs;
  bool install = false;
  app.add_option("--targets", targets_text, "Comma-separated OS/ARCH list, 'all' or 'linux/*'")->required();
  app.add_option("--exclude", exclude, "Leave a target out (repeatable)");
  app.add_option("--libs", libs,
                 "Target libraries: zlib,zstd,openssl,curl,png,sqlite3,bz2,lzma or Debian -dev packages")
      ->delimiter(',');
  app.add_flag("--install", install, "Install what is missing with apt-get (non-interactive)");
  auto parsed = parse_args(app, argc, argv);
  if (!parsed) return parsed.error();
  if (!*parsed) return ok_status();

  auto targets = parse_target_list(targets_text, exclude);
  if (!targets) return targets.error();
  std::erase(libs, "");  // "zlib,,zstd" or a trailing comma
  auto plan = plan_deps(*targets, libs);
  if (!plan) return plan.error();

  Host host = real_host(process_env());
  DepsSurvey survey = survey_deps(*plan, host);
  std::vector<std::string> problems = print_survey(survey);
  std::size_t count = survey.missing.count();
  if (count && !install) {
    std::string command = survey.missing.command(host.root);
    if (!command.empty()) fmt::print("to install: {}\n", command);
    std::string fix = command.empty() ? "pass --install (it downloads them into a private sysroot)"
                                      : fmt::format("run '{}' or pass --install", command);
    return runtime_error(fmt::format("{} package(s) missing: {}", count, fix));
  }
  XSHIP_TRY(install_deps(
      survey.missing, host, [](const std::string& line) { fmt::print(stderr, "xship: {}\n", line); }, &cancel_flag()));
  if (count) fmt::print("installed: {} package(s)\n", count);
  // With the handlers installed, the kernel is told about them (root only, --install only:
  // a check changes nothing).
  print_direct_runs(*targets, host, install);
  if (!problems.empty()) return runtime_error(problems.front());
  if (!count) fmt::print("all {} target(s) have what they need\n", targets->size());
  return ok_status();
}

// ---- clean ----------------------------------------------------------------------------

// What `build` made, and nothing else: the build root, and in --out only NAME's programs
// (raw or compressed) for known targets; --out itself goes only when that leaves it empty.
Status run_clean(int argc, char** argv) {
  CLI::App app{"Remove the per-target build directories and the releases build wrote (archives, NAME's programs).",
               "clean"};
  std::string name, out = "dist", build_root = "build/xship";
  app.add_option("--name", name, "The program's name: removes NAME.OS.ARCH[.exe][.gz|.zst] from --out");
  app.add_option("--out", out, "Where the programs were collected")->capture_default_str();
  app.add_option("--build-dir", build_root, "The per-target build directories' parent")->capture_default_str();
  auto parsed = parse_args(app, argc, argv);
  if (!parsed) return parsed.error();
  if (!*parsed) return ok_status();
  if (name.find('/') != std::string::npos)
    return usage_error(fmt::format("--name '{}' is a path: give the program's name", name));

  std::error_code ec;
  auto cwd = fs::current_path(ec);
  auto root = fs::weakly_canonical(fs::absolute(build_root, ec), ec);
  // Removing the working directory or one above it would take the project with it.
  auto [mismatch, _] = std::mismatch(root.begin(), root.end(), cwd.begin(), cwd.end());
  if (root.empty() || mismatch == root.end())
    return usage_error(
        fmt::format("--build-dir '{}' is the working directory or above it: name the build directory, "
                    "e.g. build/xship",
                    build_root));
  std::uintmax_t removed = 0;
  if (fs::exists(root, ec)) {
    removed = fs::remove_all(root, ec);
    if (ec) return runtime_error(fmt::format("cannot remove '{}': {}", build_root, ec.message()));
    fmt::print("removed {} ({} files)\n", relative_to_cwd(root.string()), removed);
  }
  if (!fs::is_directory(out, ec)) return ok_status();
  // What build wrote: files the digest cache records as a target's release (as long as
  // they are unchanged), and NAME's programs by their names.
  compress::DigestCache cache(compress::default_digest_cache_path(process_env()));
  std::vector<fs::path> doomed;
  for (const auto& entry : fs::directory_iterator(out, ec)) {
    auto stamp = entry.is_regular_file() ? stamp_file(entry.path().string()) : Result<FileStamp>(usage_error(""));
    if (stamp && cache.artifact(entry.path().string(), *stamp)) doomed.push_back(entry.path());
  }
  if (!name.empty())
    for (const auto& info : all_targets())
      for (const char* ext : {"", ".gz", ".zst"}) doomed.push_back(fs::path(out) / (dist_name(name, info) + ext));
  for (const auto& file : doomed) {
    if (fs::remove(file, ec)) fmt::print("removed {}\n", file.string());
    if (ec) return runtime_error(fmt::format("cannot remove '{}': {}", file.string(), ec.message()));
  }
  if (fs::is_empty(out, ec) && fs::remove(out, ec)) fmt::print("removed {}\n", out);
  return ok_status();
}

}  // namespace

Status run_cross_clean(int argc, char** argv) { return run_clean(argc, argv); }
Status run_cross_targets(int argc, char** argv) { return run_targets(argc, argv); }
Status run_cross_env(int argc, char** argv) { return run_single_target(argc, argv, false); }
Status run_cross_toolchain(int argc, char** argv) { return run_single_target(argc, argv, true); }
Status run_cross_deps(int argc, char** argv) { return run_deps(argc, argv); }

}  // namespace xship::cli
