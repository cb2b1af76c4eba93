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
#include "compress/compress.h"
#include "core/cancel.h"
#include "core/units.h"
#include "cross/builder.h"
#include "cross/deps.h"
#include "cross/toolchain.h"
#include "process/process.h"

namespace fs = std::filesystem;

namespace xship::cli {

namespace {

using namespace xship::cross;

// "OS/ARCH=VALUE" flags (--toolchain, --sysroot) -> map keyed by the canonical name.
Result<std::map<std::string, std::string>> parse_target_values(const std::vector<std::string>& items, const char* flag) {
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

std::string relative_to_cwd(const std::string& path) {
  std::error_code ec;
  auto rel = fs::relative(path, fs::current_path(ec), ec);
  return ec || rel.empty() || rel.string().starts_with("..") ? path : rel.string();
}

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
  if (!json) fmt::print("{:<15} {:<26} {:<30} {:<13} {}\n", "TARGET", "TRIPLE", "COMPILER", "EMULATOR", "HERE");
  for (const auto& info : all_targets()) {
    auto tc = resolve_toolchain(info, host);
    std::string state = !tc ? "missing" : tc->runnable ? "ready" : "build only";
    std::string note = !tc ? tc.error().message : tc->runnable ? "" : tc->not_runnable;
    std::string compiler = info.cc ? info.cxx : tc ? fmt::format("{} (user SDK/zig)", fs::path(tc->cxx).filename().string())
                                                     : "SDK/sysroot or zig";
    std::string emulator = !info.emulator ? "-" : *info.emulator ? info.emulator : "native";
    if (json) {
      out.push_back({{"target", info.target.name()}, {"os", os_name(info.target.os)}, {"arch", arch_name(info.target.arch)},
                     {"triple", info.triple}, {"cc", info.cc ? info.cc : ""}, {"cxx", info.cxx ? info.cxx : ""},
                     {"emulator", info.emulator ? info.emulator : ""}, {"packages", info.packages},
                     {"emulator_packages", info.emulator_packages}, {"state", state}, {"buildable", tc.ok()},
                     {"runnable", tc.ok() && tc->runnable}, {"note", note}});
    } else {
      fmt::print("{:<15} {:<26} {:<30} {:<13} {}{}\n", info.target.name(), info.triple, compiler, emulator, state,
                 note.empty() ? "" : ": " + note);
    }
  }
  if (json) fmt::print("{}\n", out.dump(2));
  return ok_status();
}

// ---- env, toolchain -------------------------------------------------------------------

struct SingleTarget {
  std::string target, sysroot;
  bool static_link = false;
};

void add_single_target_flags(CLI::App& app, SingleTarget& s) {
  app.add_option("target", s.target, "OS/ARCH, e.g. linux/arm64 (see 'xship targets')")->required();
  app.add_option("--sysroot", s.sysroot, "SDK or sysroot for targets Debian has no toolchain for (darwin, windows/arm64, freebsd)");
  app.add_flag("--static", s.static_link, "Link programs statically");
}

Result<std::pair<Toolchain, BuildFlags>> single_target(const SingleTarget& s, const Host& host) {
  auto t = parse_target(s.target);
  if (!t) return t.error();
  auto tc = resolve_toolchain(target_info(*t), host, s.sysroot);
  if (!tc) return tc.error();
  BuildFlags flags;
  flags.stamp = read_stamp(".", host.env);
  flags.static_link = s.static_link;
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
  if (!problems.empty()) return runtime_error(problems.front());
  if (!count) fmt::print("all {} target(s) have what they need\n", targets->size());
  return ok_status();
}

// ---- build, test ----------------------------------------------------------------------

void print_table(const std::vector<TargetResult>& results) {
  fmt::print("\n{:<15} {:<14} {:>8} {:>10}  {:<6}  {}\n", "TARGET", "STATUS", "SECONDS", "SIZE", "TESTS", "OUTPUT");
  for (const auto& r : results) {
    std::string tests = r.tests_total >= 0 ? fmt::format("{}/{}", r.tests_passed, r.tests_total) : "-";
    fmt::print("{:<15} {:<14} {:>8.1f} {:>10}  {:<6}  {}\n", r.target.name(), status_name(r.status), r.seconds,
               r.size ? human_size(r.size) : "-", tests, r.output.empty() ? "-" : relative_to_cwd(r.output));
  }
  for (const auto& r : results)
    if (r.status == TargetStatus::NotRun) fmt::print("{}: not run: {}\n", r.target.name(), r.message);
}

nlohmann::json results_json(const std::vector<TargetResult>& results) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : results)
    out.push_back({{"target", r.target.name()}, {"status", status_name(r.status)}, {"seconds", r.seconds},
                   {"command_seconds", r.command_seconds},
                   {"size", r.size}, {"output", r.output}, {"tests_passed", r.tests_passed},
                   {"tests_total", r.tests_total}, {"message", r.message}, {"log", r.log}});
  return out;
}

// --format: each collected program becomes NAME.OS.ARCH.gz (replacing the last one), its
// digests cached so publish reads it once.
Status compress_outputs(std::vector<TargetResult>& results, compress::Format format) {
  compress::DigestCache cache;
  compress::CompressOptions o;
  o.format = format;
  o.force = true;
  o.threads = compress::default_threads();
  for (auto& r : results) {
    if (r.output.empty() || is_failure(r.status)) continue;
    auto w = compress::compress_file(r.output, o, &cache);
    if (!w) return w.error();
    if (!w->cache_warning.empty()) fmt::print(stderr, "xship: warning: {}\n", w->cache_warning);
    r.output = w->output;
    r.size = w->digests.bytes;
  }
  return ok_status();
}

Status run_build_or_test(int argc, char** argv, bool test) {
  CLI::App app{test ? "Build for each target, then run the project's tests under the target's emulator."
                    : "Build a CMake or Make project for each target; collect dist/NAME.OS.ARCH.",
               test ? "test" : "build"};
  BuildRequest req;
  req.run_tests = test;
  std::string targets_text, cmake_dir, make_cmd, format_text = "none";
  std::vector<std::string> exclude, toolchains, sysroots;
  bool json = false;
  int timeout = 60;
  app.add_option("--targets", targets_text, "Comma-separated OS/ARCH list, 'all' or 'linux/*'")->required();
  app.add_option("--name", req.name, "The program's name: the build must produce NAME (NAME.exe on windows)")->required();
  auto* cmake_opt = app.add_option("--cmake", cmake_dir, "Build the CMake project in this directory");
  app.add_option("--make", make_cmd, "Build with this command in the current directory (CC, CPPFLAGS, XSHIP_OUT... set; "
                                     "through sh only when it needs a shell, as make does); tests run it with 'test' appended")->excludes(cmake_opt);
  if (test)
    app.add_option("--make-test", req.make_test_command, "Run the tests with this command instead (same environment, "
                                                         "plus XSHIP_EMULATOR)")->excludes(cmake_opt);
  else
    app.add_option("--format", format_text, "Compress each collected program: gz, zst or none (NAME.OS.ARCH.gz, "
                                            "hashed for publish)")->capture_default_str();
  app.add_option("--out", req.out_dir, "Where programs are collected as NAME.OS.ARCH")->capture_default_str();
  app.add_option("--build-dir", req.build_root, "Per-target build directories go below this")->capture_default_str();
  app.add_option("-j,--jobs", req.jobs, "Targets built at once (default: one per CPU)")->check(CLI::Range(1, 256));
  app.add_flag("-k,--keep-going", req.keep_going, "Finish the other targets when one fails");
  app.add_flag("--static", req.static_link, "Link statically (Linux and Windows)");
  app.add_option("--exclude", exclude, "Leave a target out (repeatable)");
  app.add_option("--toolchain", toolchains, "OS/ARCH=FILE: your own CMake toolchain file for a target (repeatable)");
  app.add_option("--sysroot", sysroots, "OS/ARCH=DIR: SDK or sysroot for darwin, windows/arm64, freebsd (repeatable)");
  app.add_option("--build-type", req.build_type, "CMAKE_BUILD_TYPE")->capture_default_str();
  app.add_option("--cmake-arg", req.cmake_args, "Extra argument for the CMake configure step (repeatable)");
  if (test) app.add_option("--test-timeout", timeout, "Seconds each test may run under the emulator")->capture_default_str();
  app.add_flag("--json", json, "Print the results as JSON on stdout instead of the table");
  auto parsed = parse_args(app, argc, argv);
  if (!parsed) return parsed.error();
  if (!*parsed) return ok_status();

  std::optional<compress::Format> format;
  if (format_text != "none") {
    format = compress::parse_format(format_text);
    if (!format) return usage_error(fmt::format("unknown --format '{}': use gz, zst or none", format_text));
  }
  if (!req.make_test_command.empty() && make_cmd.empty())
    return usage_error("--make-test needs --make: it replaces the Make project's test command");
  auto targets = parse_target_list(targets_text, exclude);
  if (!targets) return targets.error();
  req.targets = std::move(*targets);
  auto tcs = parse_target_values(toolchains, "--toolchain");
  if (!tcs) return tcs.error();
  auto srs = parse_target_values(sysroots, "--sysroot");
  if (!srs) return srs.error();
  req.toolchain_files = std::move(*tcs);
  req.sysroots = std::move(*srs);
  req.test_timeout = std::chrono::seconds(timeout);
  if (!make_cmd.empty()) {
    req.system = BuildSystem::Make;
    req.make_command = make_cmd;
  } else {
    req.source_dir = cmake_dir.empty() ? "." : cmake_dir;
  }
  Host host = real_host();
  req.stamp = read_stamp(req.source_dir, host.env);

  auto on_done = [&](const TargetResult& r) {
    if (json) return;
    fmt::print(stderr, "xship: {}: {} in {:.1f} s{}\n", r.target.name(), status_name(r.status), r.seconds,
               is_failure(r.status) && !r.message.empty() ? ": " + r.message : "");
  };
  auto results = run_builds(req, host, on_done, &cancel_flag());
  if (!results) return results.error();
  if (format) XSHIP_TRY(compress_outputs(*results, *format));
  if (json) fmt::print("{}\n", results_json(*results).dump(2));
  else print_table(*results);

  std::vector<const TargetResult*> failed;
  for (const auto& r : *results)
    if (is_failure(r.status)) failed.push_back(&r);
  if (failed.empty()) return ok_status();
  for (const auto* r : failed) {
    if (r->status == TargetStatus::Cancelled || r->status == TargetStatus::NoToolchain || !fs::exists(r->log)) continue;
    fmt::print(stderr, "\n---- {} ({}), last lines of {} ----\n{}", r->target.name(), status_name(r->status),
               relative_to_cwd(r->log), process::tail_lines(r->log, 25));
  }
  std::string names;
  bool all_wrong_machine = true;
  for (const auto* r : failed) {
    names += fmt::format("{}{} ({})", names.empty() ? "" : ", ", r->target.name(), status_name(r->status));
    all_wrong_machine = all_wrong_machine && r->status == TargetStatus::WrongMachine;
  }
  std::string msg = fmt::format("{} of {} targets failed: {}; first: {}", failed.size(), results->size(), names,
                                failed.front()->message);
  return all_wrong_machine ? integrity_error(msg) : runtime_error(msg);
}

// ---- clean ----------------------------------------------------------------------------

// What `build` made, and nothing else: the build root, and in --out only NAME's programs
// (raw or compressed) for known targets; --out itself goes only when that leaves it empty.
Status run_clean(int argc, char** argv) {
  CLI::App app{"Remove the per-target build directories and the collected programs of NAME.", "clean"};
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
  if (name.empty() || !fs::is_directory(out, ec)) return ok_status();
  for (const auto& info : all_targets())
    for (const char* ext : {"", ".gz", ".zst"}) {
      auto file = fs::path(out) / (dist_name(name, info) + ext);
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
Status run_cross_build(int argc, char** argv) { return run_build_or_test(argc, argv, false); }
Status run_cross_test(int argc, char** argv) { return run_build_or_test(argc, argv, true); }

}  // namespace xship::cli
