#include "cross/builder.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <regex>
#include <thread>

#include "core/thread_pool.h"
#include "cross/collect.h"
#include "cross/source_mirror.h"
#include "process/process.h"

namespace fs = std::filesystem;

namespace xship::cross {

namespace {

struct Job {
  const TargetInfo* info;
  Toolchain tc;
  TargetResult res;
  std::string dir;   // build/xship/OS_ARCH, absolute
  std::string tree;  // where the build runs: the source dir, its copy (Make) or `dir` (CMake)
};

struct Context {
  const BuildRequest& req;
  const Host& host;
  std::string source, out, root;  // absolute: the project, the dist and the build directories
  std::string generator;    // Ninja when there, else Unix Makefiles
  int build_jobs = 1;       // parallelism inside one target's build
  std::function<bool()> should_stop;
  std::shared_ptr<const MirrorListing> listing;  // the source files, listed once for every target's copy
};

void log_line(const std::string& log, const std::string& line) {
  std::ofstream(log, std::ios::app) << line << "\n";
}

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

// "100% tests passed, 0 tests failed out of 3" -> passed, total.
std::pair<int, int> ctest_counts(const std::string& log) {
  static const std::regex summary(R"((\d+)% tests passed, (\d+) tests? failed out of (\d+))");
  std::ifstream in(log);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  int passed = -1, total = -1;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), summary); it != std::sregex_iterator(); ++it) {
    total = std::stoi((*it)[3]);
    passed = total - std::stoi((*it)[2]);
  }
  if (total < 0 && text.find("No tests were found") != std::string::npos) return {0, 0};
  return {passed, total};
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
  for (std::vector<std::string> argv : {std::vector<std::string>{"wineserver", "-p10"}, {job.tc.emulator[0], "cmd", "/c", "exit"}}) {
    process::Command cmd;
    cmd.argv = std::move(argv);
    cmd.env = wine_env;
    cmd.log_path = "/dev/null";
    cmd.timeout = std::chrono::seconds(120);
    cmd.should_stop = ctx.should_stop;
    if (auto r = process::run(cmd); !r || !r->success()) return;  // only a speed-up: the tests say the rest
  }
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

bool build_cmake(Job& job, const Context& ctx, bool& tests_ran) {
  if (auto other = configured_source(job.dir); !other.empty() && !fs::equivalent(other, ctx.source)) {
    job.res.status = TargetStatus::BuildFailed;
    job.res.message = fmt::format("'{}' holds a build of '{}': pass another --build-dir or remove it", job.dir, other);
    return false;
  }
  std::string toolchain = job.dir + "/xship-toolchain.cmake";
  std::ofstream(toolchain) << cmake_toolchain(job.tc, flags_for(job, ctx));
  auto env = base_env(ctx);
  std::vector<std::string> configure = {"cmake", "-S", ctx.source, "-B", job.dir, "-DCMAKE_TOOLCHAIN_FILE=" + toolchain,
                                        "-DCMAKE_BUILD_TYPE=" + ctx.req.build_type};
  if (!fs::exists(job.dir + "/CMakeCache.txt")) configure.insert(configure.begin() + 5, {"-G", ctx.generator});
  configure.insert(configure.end(), ctx.req.cmake_args.begin(), ctx.req.cmake_args.end());
  auto per_target = target_cmake_args(job, ctx);
  configure.insert(configure.end(), per_target.begin(), per_target.end());
  if (!step(job, ctx, "configure", configure, ctx.source, env, TargetStatus::BuildFailed)) return false;
  if (!step(job, ctx, "build", {"cmake", "--build", job.dir, "--parallel", std::to_string(ctx.build_jobs)}, ctx.source, env,
            TargetStatus::BuildFailed))
    return false;
  if (!ctx.req.run_tests || !job.tc.runnable) return true;
  tests_ran = true;
  warm_wine(job, ctx, env);
  return step(job, ctx, "tests",
              {"ctest", "--test-dir", job.dir, "--output-on-failure", "--timeout", std::to_string(ctx.req.test_timeout.count())},
              ctx.source, test_env(job, env), TargetStatus::TestsFailed);
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

bool build_make(Job& job, const Context& ctx, bool& tests_ran) {
  if (!prepare_tree(job, ctx)) return false;
  auto env = base_env(ctx);
  for (auto& [k, v] : make_environment(job.tc, flags_for(job, ctx), ctx.host.env)) env[k] = v;
  env["XSHIP_OUT"] = job.dir;
  env["XSHIP_SOURCE_DIR"] = ctx.source;  // the project's own tree, when the build runs in a copy
  // The user's command line is shell syntax by design: the one place xship may use sh -c.
  if (!step(job, ctx, "build", process::command_line_argv(ctx.req.make_command), job.tree, env, TargetStatus::BuildFailed))
    return false;
  if (!ctx.req.run_tests || !job.tc.runnable) return true;
  tests_ran = true;
  warm_wine(job, ctx, env);
  std::string test_command = ctx.req.make_test_command.empty() ? ctx.req.make_command + " test" : ctx.req.make_test_command;
  return step(job, ctx, "tests", process::command_line_argv(test_command), job.tree, test_env(job, env),
              TargetStatus::TestsFailed);
}

std::string stage_dir(const Job& job) { return job.dir + "/xship-stage"; }

// CMake's INSTALL mode: the release is the tree the project's own install rules make.
bool install_cmake(Job& job, const Context& ctx) {
  std::error_code ec;
  fs::remove_all(stage_dir(job), ec);
  return step(job, ctx, "install", {"cmake", "--install", job.dir, "--prefix", stage_dir(job), "--config", ctx.req.build_type},
              job.dir, base_env(ctx), TargetStatus::BuildFailed);
}

TargetStatus status_of(StageProblem p) {
  switch (p) {
    case StageProblem::NoOutput: return TargetStatus::NoOutput;
    case StageProblem::WrongMachine: return TargetStatus::WrongMachine;
    case StageProblem::NotPortable: return TargetStatus::NotPortable;
    default: return TargetStatus::BuildFailed;
  }
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

void run_job(Job& job, const Context& ctx) {
  auto start = std::chrono::steady_clock::now();
  auto finish = [&] { job.res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  std::error_code ec;
  fs::create_directories(job.dir, ec);
  std::ofstream(job.res.log, std::ios::trunc) << fmt::format("xship: {} in {}\n", job.info->target.name(), job.dir);
  bool tests_ran = false;
  bool ok = ctx.req.system == BuildSystem::CMake ? build_cmake(job, ctx, tests_ran) : build_make(job, ctx, tests_ran);
  // A failed test run still leaves programs worth checking and counting.
  if (!ok && job.res.status != TargetStatus::TestsFailed) return finish();
  TargetStatus tests = job.res.status;
  std::string test_message = job.res.message;
  if (!stage(job, ctx)) return finish();
  if (ctx.req.system == BuildSystem::CMake && tests_ran)
    std::tie(job.res.tests_passed, job.res.tests_total) = ctest_counts(job.res.log);
  if (!ok) {
    job.res.status = tests;
    job.res.message = test_message;
  } else if (!ctx.req.run_tests) {
    job.res.status = TargetStatus::Built;
  } else if (!job.tc.runnable) {
    job.res.status = TargetStatus::NotRun;
    job.res.message = job.tc.not_runnable;
  } else {
    job.res.status = job.res.tests_total == 0 ? TargetStatus::NoTests : TargetStatus::Passed;
  }
  finish();
}

Result<Context> make_context(const BuildRequest& req, const Host& host) {
  std::error_code ec;
  Context ctx{req, host, fs::absolute(req.source_dir, ec).lexically_normal().string(),
              fs::absolute(req.out_dir, ec).lexically_normal().string(),
              fs::absolute(req.build_root, ec).lexically_normal().string(), "Ninja", 1, {}};
  if (!ctx.source.empty() && ctx.source.back() == '/') ctx.source.pop_back();
  if (!fs::is_directory(ctx.source))
    return usage_error(fmt::format("source directory '{}' does not exist: pass the project's top directory", req.source_dir));
  if (req.system == BuildSystem::CMake) {
    if (!fs::exists(ctx.source + "/CMakeLists.txt"))
      return usage_error(fmt::format("'{}' has no CMakeLists.txt: pass --cmake the project's top directory, or use --make",
                                     req.source_dir));
    if (!host.find_program("cmake") || !host.find_program("ctest"))
      return usage_error(fmt::format("cmake not found: install it with '{}'", apt_install_line("cmake ninja-build", host.root)));
    if (!host.find_program("ninja")) ctx.generator = "Unix Makefiles";
  }
  if (req.name.empty() || req.name.find('/') != std::string::npos)
    return usage_error("--name must be the program's file name (no directories), e.g. --name hello");
  for (const auto& p : req.programs)
    if (p.empty() || p.front() == '/' || p.ends_with('/') || p.find("..") != std::string::npos)
      return usage_error(fmt::format("--programs entry '{}' is not a program name or a path inside the build tree "
                                     "(e.g. lua or src/lua)", p));
  if (req.install && req.system != BuildSystem::CMake)
    return usage_error("--install stages what `cmake --install` installs: it needs --cmake");
  fs::create_directories(ctx.out, ec);
  if (ec) return runtime_error(fmt::format("cannot create '{}': {}", req.out_dir, ec.message()));
  return ctx;
}

}  // namespace

const char* status_name(TargetStatus s) {
  switch (s) {
    case TargetStatus::Built: return "built";
    case TargetStatus::Passed: return "passed";
    case TargetStatus::NoTests: return "no tests";
    case TargetStatus::NotRun: return "not run";
    case TargetStatus::TestsFailed: return "tests failed";
    case TargetStatus::BuildFailed: return "build failed";
    case TargetStatus::NoOutput: return "no output";
    case TargetStatus::WrongMachine: return "wrong machine";
    case TargetStatus::NotPortable: return "not portable";
    case TargetStatus::NoToolchain: return "no toolchain";
    case TargetStatus::Cancelled: return "cancelled";
  }
  return "";
}

bool is_failure(TargetStatus s) {
  return s != TargetStatus::Built && s != TargetStatus::Passed && s != TargetStatus::NoTests && s != TargetStatus::NotRun;
}

bool is_integrity_failure(TargetStatus s) { return s == TargetStatus::WrongMachine || s == TargetStatus::NotPortable; }

std::string dist_name(const std::string& name, const TargetInfo& info) {
  return fmt::format("{}.{}.{}{}", name, os_name(info.target.os), arch_name(info.target.arch), info.exe_suffix());
}

Stamp read_stamp(const std::string& dir, const EnvLookup& env) {
  Stamp s;
  // The two git calls run side by side: xship's own time is mostly process starts. A
  // value given in the environment is not asked of git.
  std::optional<std::string> version = env("XSHIP_VERSION");
  std::optional<std::string> commit = env("XSHIP_COMMIT");
  std::optional<std::string> epoch = env("SOURCE_DATE_EPOCH");
  std::thread describe;
  if (!version) describe = std::thread([&] { version = process::git_output(dir, {"describe", "--tags", "--always", "--dirty"}); });
  if (!commit || !epoch) {
    // Hash and commit time in one call.
    std::string head = process::git_output(dir, {"log", "-1", "--format=%H %ct"}).value_or("");
    auto space = head.find(' ');
    if (!commit && space != std::string::npos) commit = head.substr(0, space);
    if (!epoch) epoch = space == std::string::npos ? "" : head.substr(space + 1);
  }
  if (describe.joinable()) describe.join();
  if (version) s.version = *version;
  if (commit) s.commit = *commit;
  try {
    s.epoch = epoch->empty() ? 0 : std::stoll(*epoch);
  } catch (const std::exception&) {
    s.epoch = 0;  // an unparsable SOURCE_DATE_EPOCH: still a fixed date
  }
  return s;
}

Result<std::vector<TargetResult>> run_builds(const BuildRequest& req, const Host& host,
                                             const std::function<void(const TargetResult&)>& done,
                                             const std::atomic<bool>* interrupt) {
  auto ctx = make_context(req, host);
  if (!ctx) return ctx.error();
  std::error_code ec;
  const std::string& root = ctx->root;

  // Every toolchain is resolved before anything builds: a missing compiler is reported at
  // once, with its apt-get line, not after the other targets took minutes.
  std::vector<Job> jobs;
  for (Target t : req.targets) {
    Job job{&target_info(t), {}, {}, fmt::format("{}/{}", root, t.slug()), ""};
    job.tree = req.system == BuildSystem::CMake ? job.dir : req.copy_tree ? job.dir + "/src" : ctx->source;
    job.res.target = t;
    job.res.log = job.dir + "/xship.log";
    if (auto f = req.toolchain_files.find(t.name()); f != req.toolchain_files.end()) {
      job.tc = user_toolchain(*job.info, fs::absolute(f->second, ec).string());
    } else {
      auto s = req.sysroots.find(t.name());
      auto tc = resolve_toolchain(*job.info, host, s == req.sysroots.end() ? "" : s->second);
      if (!tc && !req.keep_going) return tc.error();
      if (tc) job.tc = std::move(*tc);
      else job.res.status = TargetStatus::NoToolchain, job.res.message = tc.error().message;
    }
    if (req.runtime == Runtime::Static && t.os == Os::Darwin)
      return usage_error(fmt::format("{} cannot link statically (macOS has no static libc): drop --static or --exclude {}",
                                     t.name(), t.name()));
    if (req.system == BuildSystem::Make && job.tc.kind == CompilerKind::UserFile)
      return usage_error(fmt::format("--toolchain {}=FILE is a CMake toolchain file: it needs --cmake", t.name()));
    if (req.run_tests && req.binfmt && job.tc.runnable && !binfmt_handler(*job.info).empty()) {
      BinfmtState direct = ensure_binfmt(*job.info, *req.binfmt);
      job.res.direct = direct.on;
      job.res.direct_off = direct.why;
    }
    jobs.push_back(std::move(job));
  }

  if (req.system == BuildSystem::Make && req.copy_tree) {
    // One listing (one git process) serves every target's copy.
    auto listing = list_for_mirrors(ctx->source, {ctx->root, ctx->out});
    if (!listing) return listing.error();
    ctx->listing = *listing;
  }
  unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
  int at_once = req.jobs > 0 ? req.jobs : static_cast<int>(std::min<std::size_t>(cpus, jobs.size()));
  ctx->build_jobs = std::max(1, static_cast<int>(cpus) / std::max(1, at_once));
  std::atomic<bool> stop{false};
  ctx->should_stop = [&] { return stop.load() || (interrupt && interrupt->load()); };
  std::mutex mu;
  {
    ThreadPool pool(at_once);
    for (auto& job : jobs) {
      pool.post([&] {
        if (job.res.status != TargetStatus::NoToolchain) {
          if (ctx->should_stop()) job.res.message = "not started: another target failed (use --keep-going to build the rest)";
          else run_job(job, *ctx);
        }
        std::lock_guard lock(mu);
        if (is_failure(job.res.status) && job.res.status != TargetStatus::Cancelled && !req.keep_going) stop = true;
        done(job.res);
      });
    }
    pool.wait();
  }
  std::vector<TargetResult> results;
  for (auto& job : jobs) results.push_back(std::move(job.res));
  return results;
}

}  // namespace xship::cross
