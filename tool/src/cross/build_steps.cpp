#include "cross/build_steps.h"

#include <fmt/format.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <regex>

#include "cross/collect.h"
#include "process/process.h"

namespace fs = std::filesystem;

namespace xship::cross::detail {

namespace {

void log_line(const std::string& log, const std::string& line) { std::ofstream(log, std::ios::app) << line << "\n"; }

// One step of a target's build; false (with the result filled in) when it failed.
bool step(Job& job, const Context& ctx, const std::string& what, std::vector<std::string> argv, const std::string& cwd,
          const std::map<std::string, std::string>& env, TargetStatus on_failure) {
  log_line(job.res.log, "+ " + shell_join(argv));
  process::Command cmd;
  cmd.argv = std::move(argv);
  cmd.cwd = cwd;
  cmd.env = env;
  cmd.log_path = job.res.log;
  cmd.should_stop = ctx.should_stop;
  auto r = process::run(cmd);
  if (!r) {
    job.res.status = on_failure;
    job.res.message = fmt::format("{}: {}", what, r.error().message);
    return false;
  }
  job.res.command_seconds += r->seconds;
  if (r->success()) return true;
  job.res.status = r->stopped ? TargetStatus::Cancelled : on_failure;
  job.res.message = r->stopped ? "stopped: another target failed (use --keep-going to finish the rest)"
                               : fmt::format("{} failed ({}); log: {}", what, r->describe(), job.res.log);
  return false;
}

BuildFlags flags_for(const Job& job, const Context& ctx) {
  BuildFlags f;
  f.stamp = ctx.req.stamp;
  f.static_link = ctx.req.runtime == Runtime::Static;
  f.portable_runtime = ctx.req.runtime == Runtime::Portable;
  add_target_env_flags(f, job.info->target, ctx.host.env);
  // The copy's map comes last, so it wins over the build directory's that contains it.
  f.prefix_maps = {{job.dir, "build"}, {job.tree, "."}};
  return f;
}

std::map<std::string, std::string> base_env(const Context& ctx) {
  std::map<std::string, std::string> env;
  env["SOURCE_DATE_EPOCH"] = std::to_string(ctx.req.stamp.epoch);
  return env;
}

// The tests' environment: with binfmt_misc on, what a directly started foreign program
// needs (its library prefix), so tests by path and scripts work like target tests.
std::map<std::string, std::string> test_env(const Job& job, std::map<std::string, std::string> env) {
  if (job.res.direct)
    for (auto& [k, v] : binfmt_env(job.tc)) env[k] = v;
  return env;
}

// The source directory an existing build directory was configured for ("" when none).
std::string configured_source(const std::string& dir) {
  std::ifstream in(dir + "/CMakeCache.txt");
  const std::string key = "CMAKE_HOME_DIRECTORY:INTERNAL=";
  for (std::string line; std::getline(in, line);)
    if (line.starts_with(key)) return line.substr(key.size());
  return "";
}

// Wine started cold costs about 4 s per program run; a project's tests start it dozens of
// times (brotli's 14 tests: 160 s cold, 9 s warm, measured). Started once before the tests
// and kept for 10 s after its last client, it is warm for all of them. Its output goes to
// /dev/null: wine's service processes inherit whatever the first wine had, and a pipe of
// ctest's held open by them would make ctest wait for ever.
void warm_wine(Job& job, const Context& ctx, const std::map<std::string, std::string>& env) {
  if (!job.info->is_windows() || !job.tc.runnable || job.tc.emulator.empty()) return;
  std::map<std::string, std::string> wine_env = env;
  for (const auto& [k, v] : job.tc.emulator_env) wine_env[k] = v;
  // wineserver will not start for a prefix that does not exist yet; the first wine run then
  // creates it while the tests' own wine runs race it ("could not load kernel32.dll"). An
  // empty directory is enough: the warm-up run below fills it in before any test starts.
  auto lookup = [&](const std::string& k) {
    auto it = wine_env.find(k);
    return it != wine_env.end() ? std::optional<std::string>(it->second) : ctx.host.env(k);
  };
  std::string prefix = lookup("WINEPREFIX").value_or("");
  if (auto home = lookup("HOME"); prefix.empty() && home) prefix = *home + "/.wine";
  std::error_code ec;
  if (!prefix.empty()) fs::create_directories(prefix, ec);
  auto run = [&](std::vector<std::string> argv) {
    process::Command cmd;
    cmd.argv = std::move(argv);
    cmd.env = wine_env;
    cmd.log_path = "/dev/null";
    cmd.timeout = std::chrono::seconds(120);
    cmd.should_stop = ctx.should_stop;
    auto r = process::run(cmd);
    return r && r->success();
  };
  run({"wineserver", "-p10"});  // fails when another build's server already runs for this prefix: fine
  // Waits for the prefix to be set up (wine serialises that across its processes).
  if (!run({job.tc.emulator[0], "cmd", "/c", "exit"})) return;  // only a speed-up: the tests say the rest
  log_line(job.res.log, "xship: wine started for the tests");
}

// XSHIP_CMAKE_ARGS_linux_s390x="-DFOO=1 -DBAR=2": configure arguments for one target (a
// project's own emulator settings, say), split at spaces.
std::vector<std::string> target_cmake_args(const Job& job, const Context& ctx) {
  std::vector<std::string> out;
  std::string text = ctx.host.env(fmt::format("XSHIP_CMAKE_ARGS_{}", job.info->target.slug())).value_or("");
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find_first_of(" \t\n", start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// Make projects that build in their source tree get their own copy of it per target, so
// parallel targets never share an object file and a later target never links an earlier
// one's (cross/source_mirror.h says why it copies rather than links).
bool prepare_tree(Job& job, const Context& ctx) {
  if (ctx.req.system != BuildSystem::Make || !ctx.req.copy_tree) return true;
  MirrorRequest m;
  m.source = ctx.source;
  m.dest = job.tree;
  m.exclude = {ctx.root, ctx.out};
  m.listing = ctx.listing;
  auto r = refresh_mirror(m);
  if (!r) {
    job.res.status = TargetStatus::BuildFailed;
    job.res.message = fmt::format("copying the source tree: {}", r.error().message);
    return false;
  }
  log_line(job.res.log, fmt::format("xship: source copy {}: {} copied, {} unchanged, {} removed in {:.3f} s", job.tree,
                                    r->copied, r->unchanged, r->removed, r->seconds));
  return true;
}

std::string stage_dir(const Job& job) { return job.dir + "/xship-stage"; }

// CMake's INSTALL mode: the release is the tree the project's own install rules make.
bool install_cmake(Job& job, const Context& ctx) {
  std::error_code ec;
  fs::remove_all(stage_dir(job), ec);
  return step(job, ctx, "install",
              {"cmake", "--install", job.dir, "--prefix", stage_dir(job), "--config", ctx.req.build_type}, job.dir,
              base_env(ctx), TargetStatus::BuildFailed);
}

TargetStatus status_of(StageProblem p) {
  switch (p) {
    case StageProblem::NoOutput: return TargetStatus::NoOutput;
    case StageProblem::WrongMachine: return TargetStatus::WrongMachine;
    case StageProblem::NotPortable: return TargetStatus::NotPortable;
    default: return TargetStatus::BuildFailed;
  }
}

}  // namespace

// "100% tests passed, 0 tests failed out of 3" -> passed, total.
std::pair<int, int> ctest_counts(const std::string& log) {
  static const std::regex summary(R"((\d+)% tests passed, (\d+) tests? failed out of (\d+))");
  std::ifstream in(log);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  int passed = -1, total = -1;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), summary); it != std::sregex_iterator(); ++it) {
    // from_chars, not stoi: a count too big for int must not throw on a worker thread.
    int failed = 0;
    const std::string t = (*it)[3], f = (*it)[2];
    if (std::from_chars(t.data(), t.data() + t.size(), total).ec != std::errc() ||
        std::from_chars(f.data(), f.data() + f.size(), failed).ec != std::errc() || failed > total)
      return {-1, -1};
    passed = total - failed;
  }
  if (total < 0 && text.find("No tests were found") != std::string::npos) return {0, 0};
  return {passed, total};
}

bool build_cmake(Job& job, const Context& ctx, bool& tests_ran) {
  if (auto other = configured_source(job.dir); !other.empty() && !fs::equivalent(other, ctx.source)) {
    job.res.status = TargetStatus::BuildFailed;
    job.res.message = fmt::format("'{}' holds a build of '{}': pass another --build-dir or remove it", job.dir, other);
    return false;
  }
  std::string toolchain = job.dir + "/xship-toolchain.cmake";
  std::ofstream(toolchain) << cmake_toolchain(job.tc, flags_for(job, ctx));
  auto env = base_env(ctx);
  std::vector<std::string> configure = {"cmake",
                                        "-S",
                                        ctx.source,
                                        "-B",
                                        job.dir,
                                        "-DCMAKE_TOOLCHAIN_FILE=" + toolchain,
                                        "-DCMAKE_BUILD_TYPE=" + ctx.req.build_type};
  if (!fs::exists(job.dir + "/CMakeCache.txt")) configure.insert(configure.begin() + 5, {"-G", ctx.generator});
  configure.insert(configure.end(), ctx.req.cmake_args.begin(), ctx.req.cmake_args.end());
  auto per_target = target_cmake_args(job, ctx);
  configure.insert(configure.end(), per_target.begin(), per_target.end());
  if (!step(job, ctx, "configure", configure, ctx.source, env, TargetStatus::BuildFailed)) return false;
  if (!step(job, ctx, "build", {"cmake", "--build", job.dir, "--parallel", std::to_string(ctx.build_jobs)}, ctx.source,
            env, TargetStatus::BuildFailed))
    return false;
  if (!ctx.req.run_tests || !job.tc.runnable) return true;
  tests_ran = true;
  warm_wine(job, ctx, env);
  return step(job, ctx, "tests",
              {"ctest", "--test-dir", job.dir, "--output-on-failure", "--timeout",
               std::to_string(ctx.req.test_timeout.count())},
              ctx.source, test_env(job, env), TargetStatus::TestsFailed);
}

bool build_make(Job& job, const Context& ctx, bool& tests_ran) {
  if (!prepare_tree(job, ctx)) return false;
  auto env = base_env(ctx);
  for (auto& [k, v] : make_environment(job.tc, flags_for(job, ctx), ctx.host.env)) env[k] = v;
  env["XSHIP_OUT"] = job.dir;
  env["XSHIP_SOURCE_DIR"] = ctx.source;  // the project's own tree, when the build runs in a copy
  // The user's command line is shell syntax by design: the one place xship may use sh -c.
  if (!step(job, ctx, "build", process::command_line_argv(ctx.req.make_command), job.tree, env,
            TargetStatus::BuildFailed))
    return false;
  if (!ctx.req.run_tests || !job.tc.runnable) return true;
  tests_ran = true;
  warm_wine(job, ctx, env);
  std::string test_command =
      ctx.req.make_test_command.empty() ? ctx.req.make_command + " test" : ctx.req.make_test_command;
  return step(job, ctx, "tests", process::command_line_argv(test_command), job.tree, test_env(job, env),
              TargetStatus::TestsFailed);
}

// Stages the release and checks it; false (with the result filled in) when it is not fit.
bool stage(Job& job, const Context& ctx) {
  const BuildRequest& req = ctx.req;
  if (req.install && !install_cmake(job, ctx)) return false;
  StageRequest s;
  s.info = job.info;
  s.search = {job.dir};
  if (job.tree != job.dir) s.search.push_back(job.tree);
  s.programs = req.programs.empty() ? std::vector<std::string>{req.name} : req.programs;
  if (req.install && req.programs.empty()) s.programs.clear();  // every program in bin/
  s.files = req.files;
  s.source = ctx.source;
  s.stage = stage_dir(job);
  s.installed = req.install;
  s.max_glibc = req.max_glibc;
  StageResult r = stage_release(s);
  if (r.problem != StageProblem::None) {
    job.res.status = status_of(r.problem);
    job.res.message = r.message;
    if (r.problem == StageProblem::NoOutput && req.system == BuildSystem::Make)
      job.res.message += " (a Makefile that builds out of tree writes it to $XSHIP_OUT)";
    return false;
  }
  job.res.stage = s.stage;
  job.res.programs = std::move(r.programs);
  job.res.needs = std::move(r.needs);
  return true;
}

void start_log(const Job& job) {
  std::ofstream(job.res.log, std::ios::trunc) << fmt::format("xship: {} in {}\n", job.info->target.name(), job.dir);
}

}  // namespace xship::cross::detail
