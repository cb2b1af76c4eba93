// `xship targets | env | toolchain | deps | build | test`: flags -> typed requests -> the
// cross room -> a results table.
#include <fmt/format.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

#include "cli/commands.h"
#include "cli/connection.h"  // parse_args
#include "core/cancel.h"
#include "compress/digest_cache.h"
#include "core/file_stamp.h"
#include "cross/binfmt.h"
#include "cross/builder.h"
#include "cross/deps.h"
#include "cross/toolchain.h"
#include "process/process.h"

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

  Host host = real_host();
  nlohmann::json out = nlohmann::json::array();
  BinfmtIo binfmt = real_binfmt_io(host.env);
  if (!json) fmt::print("{:<15} {:<26} {:<30} {:<13} {:<7} {}\n", "TARGET", "TRIPLE", "COMPILER", "EMULATOR", "DIRECT", "HERE");
  for (const auto& info : all_targets()) {
    auto tc = resolve_toolchain(info, host);
    std::string state = !tc ? "missing" : tc->runnable ? "ready" : "build only";
    std::string note = !tc ? tc.error().message : tc->runnable ? "" : tc->not_runnable;
    std::string compiler = info.cc ? info.cxx : tc ? fmt::format("{} (user SDK/zig)", fs::path(tc->cxx).filename().string())
                                                     : "SDK/sysroot or zig";
    std::string emulator = !info.emulator ? "-" : *info.emulator ? info.emulator : "native";
    // Whether the kernel starts its programs directly (tests by path, scripts, ./prog).
    bool foreign = !binfmt_handler(info).empty();
    BinfmtState direct = foreign ? binfmt_state(info, binfmt) : BinfmtState{};
    std::string direct_text = !info.emulator ? "-" : !foreign ? "native" : direct.on ? "yes" : "no";
    if (json) {
      out.push_back({{"target", info.target.name()}, {"os", os_name(info.target.os)}, {"arch", arch_name(info.target.arch)},
                     {"triple", info.triple}, {"cc", info.cc ? info.cc : ""}, {"cxx", info.cxx ? info.cxx : ""},
                     {"emulator", info.emulator ? info.emulator : ""}, {"packages", info.packages},
                     {"emulator_packages", info.emulator_packages}, {"state", state}, {"buildable", tc.ok()},
                     {"runnable", tc.ok() && tc->runnable}, {"direct", direct_text},
                     {"direct_note", foreign && !direct.on ? direct.why : ""}, {"note", note}});
    } else {
      fmt::print("{:<15} {:<26} {:<30} {:<13} {:<7} {}{}\n", info.target.name(), info.triple, compiler, emulator, direct_text,
                 state, note.empty() ? "" : ": " + note);
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
  app.add_option("--sysroot", s.sysroot, "SDK or sysroot for targets Debian has no toolchain for (darwin, windows/arm64, freebsd)");
  auto* st = app.add_flag("--static", s.static_link, "Link programs fully statically");
  app.add_flag("--shared-runtime", s.shared_runtime, "Link the C++ runtime the toolchain's way (by default "
                                                     "libstdc++ is linked in on Linux, everything on Windows)")->excludes(st);
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
  Host host = real_host();
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

// A multiarch package (zlib1g-dev for amd64 and arm64) answers one line per architecture:
// an unqualified name needs the host's own (or an "all" package), "NAME:ARCH" that one.
bool package_installed(const std::string& package) {
  auto r = process::capture({"dpkg-query", "-W", "-f=${db:Status-Status} ${Architecture}\n", package});
  if (!r || !r->success()) return false;
  bool qualified = package.find(':') != std::string::npos;
  std::string host_arch = target_info(host_target()).debian_arch;
  std::istringstream lines(r->output);
  for (std::string line; std::getline(lines, line);) {
    auto space = line.find(' ');
    if (line.substr(0, space) != "installed") continue;
    std::string arch = space == std::string::npos ? "" : line.substr(space + 1);
    if (qualified || arch == host_arch || arch == "all") return true;
  }
  return false;
}

Status run_apt(const std::vector<std::string>& argv, bool root) {
  std::vector<std::string> full = argv;
  if (!root) full.insert(full.begin(), "sudo");
  fmt::print(stderr, "xship: running {}\n", cross::shell_join(full));
  process::Command cmd;
  cmd.argv = full;
  cmd.env = {{"DEBIAN_FRONTEND", "noninteractive"}};
  cmd.log_path = "/dev/stderr";  // apt's progress belongs on the user's terminal
  cmd.should_stop = [] { return cancel_flag().load(); };  // its own process group misses Ctrl-C
  auto r = process::run(cmd);
  if (!r) return r.error();
  if (!r->success()) return runtime_error(fmt::format("'{}' failed ({})", cross::shell_join(full), r->describe()));
  return ok_status();
}

Status run_deps(int argc, char** argv) {
  CLI::App app{"Check (or --install) the compilers, emulators and target libraries the targets need.", "deps"};
  std::string targets_text;
  std::vector<std::string> exclude, libs;
  bool install = false;
  app.add_option("--targets", targets_text, "Comma-separated OS/ARCH list, 'all' or 'linux/*'")->required();
  app.add_option("--exclude", exclude, "Leave a target out (repeatable)");
  app.add_option("--libs", libs, "Target libraries: zlib,zstd,openssl,curl,png,sqlite3,bz2,lzma or Debian -dev packages")
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

  Host host = real_host();
  std::vector<std::string> missing, problems;
  std::set<std::string> arches;
  std::map<std::string, std::vector<std::string>> unpack;  // target -> packages for its private sysroot
  for (const auto& d : *plan) {
    std::string sysroot = private_sysroot(d.target, host.env);
    for (const auto& p : d.packages) {
      bool own = p.route == Route::PrivateSysroot;
      bool have = own ? private_sysroot_has(sysroot, p.package) : package_installed(p.package);
      std::string state = have         ? "installed"
                          : p.optional ? fmt::format("missing (optional: needs dpkg architecture {}; without it {} is "
                                                     "built, not run)", p.arch, d.target.name())
                                       : "missing";
      fmt::print("{:<15} {:<34} {:<16} {}{}\n", d.target.name(), p.package, p.why, state,
                 own ? fmt::format(" (private sysroot {})", sysroot) : "");
      if (have || p.optional) continue;
      if (own) unpack[d.target.name()].push_back(p.package);
      else if (std::find(missing.begin(), missing.end(), p.package) == missing.end()) missing.push_back(p.package);
      if (p.route == Route::Multiarch) arches.insert(p.arch);
    }
    if (!d.problem.empty()) {
      fmt::print("{:<15} {}\n", d.target.name(), d.problem);
      problems.push_back(fmt::format("{}: {}", d.target.name(), d.problem));
    }
  }
  auto known = process::capture({"dpkg", "--print-foreign-architectures"});
  for (auto it = arches.begin(); it != arches.end();)
    it = known && known->success() && known->output.find(*it) != std::string::npos ? arches.erase(it) : std::next(it);

  std::string sudo = host.root ? "" : "sudo ";
  std::string command;
  for (const auto& a : arches) command += fmt::format("{}dpkg --add-architecture {} && ", sudo, a);
  if (!missing.empty()) {
    std::string pkgs;
    for (const auto& m : missing) pkgs += (pkgs.empty() ? "" : " ") + m;
    command += fmt::format("{}apt-get update && {}", sudo, apt_install_line(pkgs, host.root));
  }
  std::size_t count = missing.size();
  for (const auto& [t, pkgs] : unpack) count += pkgs.size();
  if (count && !install) {
    if (!command.empty()) fmt::print("to install: {}\n", command);
    std::string fix = command.empty() ? "pass --install (it downloads them into a private sysroot)"
                                      : fmt::format("run '{}' or pass --install", command);
    return runtime_error(fmt::format("{} package(s) missing: {}", count, fix));
  }
  if (!missing.empty()) {
    for (const auto& a : arches) XSHIP_TRY(run_apt({"dpkg", "--add-architecture", a}, host.root));
    if (Status updated = run_apt({"apt-get", "update", "-qq"}, host.root); !updated) {
      // A mirror without the new architecture's indexes would break every later apt-get.
      for (const auto& a : arches) (void)run_apt({"dpkg", "--remove-architecture", a}, host.root);
      return runtime_error(fmt::format("apt-get update failed{}: {}", arches.empty() ? "" : " (added architectures removed again)",
                                       updated.error().message));
    }
    std::vector<std::string> argv = {"apt-get", "install", "-y", "-qq", "--no-install-recommends"};
    argv.insert(argv.end(), missing.begin(), missing.end());
    XSHIP_TRY(run_apt(argv, host.root));
  }
  for (const auto& [t, pkgs] : unpack) {
    Target target = *parse_target(t);
    fmt::print(stderr, "xship: {}: downloading {} (and the libraries they need) into {}\n", t, cross::shell_join(pkgs),
               private_sysroot(target, host.env));
    XSHIP_TRY(install_private_sysroot(target_info(target), pkgs, host.env));
  }
  if (count) fmt::print("installed: {} package(s)\n", count);
  // With the handlers installed, the kernel is told about them (root only, --install only:
  // a check changes nothing).
  BinfmtIo binfmt = real_binfmt_io(host.env);
  for (Target t : *targets) {
    const TargetInfo& info = target_info(t);
    if (binfmt_handler(info).empty() || info.machine == Machine::I386) continue;
    BinfmtState s = install ? ensure_binfmt(info, binfmt) : binfmt_state(info, binfmt);
    fmt::print("{:<15} {:<34} {:<16} {}\n", t.name(), binfmt_handler(info), "direct runs", s.on ? "on" : "off: " + s.why);
  }
  if (!problems.empty()) return runtime_error(problems.front());
  if (!count) fmt::print("all {} target(s) have what they need\n", targets->size());
  return ok_status();
}

// ---- clean ----------------------------------------------------------------------------

// What `build` made, and nothing else: the build root, and in --out only NAME's programs
// (raw or compressed) for known targets; --out itself goes only when that leaves it empty.
Status run_clean(int argc, char** argv) {
  CLI::App app{"Remove the per-target build directories and the releases build wrote (archives, NAME's programs).", "clean"};
  std::string name, out = "dist", build_root = "build/xship";
  app.add_option("--name", name, "The program's name: removes NAME.OS.ARCH[.exe][.gz|.zst] from --out");
  app.add_option("--out", out, "Where the programs were collected")->capture_default_str();
  app.add_option("--build-dir", build_root, "The per-target build directories' parent")->capture_default_str();
  auto parsed = parse_args(app, argc, argv);
  if (!parsed) return parsed.error();
  if (!*parsed) return ok_status();
  if (name.find('/') != std::string::npos) return usage_error(fmt::format("--name '{}' is a path: give the program's name", name));

  std::error_code ec;
  auto cwd = fs::current_path(ec);
  auto root = fs::weakly_canonical(fs::absolute(build_root, ec), ec);
  // Removing the working directory or one above it would take the project with it.
  auto [mismatch, _] = std::mismatch(root.begin(), root.end(), cwd.begin(), cwd.end());
  if (root.empty() || mismatch == root.end())
    return usage_error(fmt::format("--build-dir '{}' is the working directory or above it: name the build directory, "
                                   "e.g. build/xship", build_root));
  std::uintmax_t removed = 0;
  if (fs::exists(root, ec)) {
    removed = fs::remove_all(root, ec);
    if (ec) return runtime_error(fmt::format("cannot remove '{}': {}", build_root, ec.message()));
    fmt::print("removed {} ({} files)\n", relative_to_cwd(root.string()), removed);
  }
  if (!fs::is_directory(out, ec)) return ok_status();
  // What build wrote: files the digest cache records as a target's release (as long as
  // they are unchanged), and NAME's programs by their names.
  compress::DigestCache cache;
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
