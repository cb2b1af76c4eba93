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
#include "process/process.h"

namespace fs = std::filesystem;

namespace xship::cross {

namespace {

struct Job {
  const TargetInfo* info;
  Toolchain tc;
  TargetResult res;
  std::string dir;  // build/xship/OS_ARCH, absolute
};

struct Context {
  const BuildRequest& req;
  const Host& host;
  std::string source, out;  // absolute
  std::string generator;    // Ninja when there, else Unix Makefiles
  int build_jobs = 1;       // parallelism inside one target's build
  std::function<bool()> should_stop;
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

// The program under the build directory: DIR/NAME first, else the shallowest match
// (CMake projects put programs in subdirectories).
std::optional<std::string> find_output(const std::string& dir, const std::string& file) {
  if (fs::is_regular_file(fs::path(dir) / file)) return (fs::path(dir) / file).string();
  std::optional<std::string> best;
  int best_depth = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory() && it->path().filename() == "CMakeFiles") {
      it.disable_recursion_pending();
      continue;
    }
    if (it->path().filename() == file && it->is_regular_file() && (!best || it.depth() < best_depth))
      best = it->path().string(), best_depth = it.depth();
  }
  return best;
}

BinaryFormat expected_format(Os os) {
  switch (os) {
    case Os::Windows: return BinaryFormat::Pe;
    case Os::Darwin: return BinaryFormat::MachO;
    default: return BinaryFormat::Elf;
  }
}

// An arm64 target that produced an x86-64 file used the wrong compiler somewhere.
std::optional<std::string> check_machine(const TargetInfo& info, const std::string& path) {
  auto bin = read_binary_file(path);
  if (!bin) return bin.error().message;
  auto& m = bin->machines;
  if (bin->format == expected_format(info.target.os) && std::find(m.begin(), m.end(), info.machine) != m.end())
    return std::nullopt;
  return fmt::format("'{}' is {}, not {} {}: the build did not use the {} toolchain (a compiler hard-coded in the project?)",
                     path, describe(*bin), format_name(expected_format(info.target.os)), machine_name(info.machine),
                     info.target.name());
}

Result<std::uint64_t> collect(const std::string& from, const std::string& to) {
  std::string tmp = to + ".xship-tmp";
  std::error_code ec;
  fs::copy_file(from, tmp, fs::copy_options::overwrite_existing, ec);
  if (!ec) fs::rename(tmp, to, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return runtime_error(fmt::format("cannot copy '{}' to '{}': {}", from, to, ec.message()));
  }
  return static_cast<std::uint64_t>(fs::file_size(to));
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
  f.static_link = ctx.req.static_link;
  add_target_env_flags(f, job.info->target, ctx.host.env);
  f.prefix_maps = {{ctx.source, "."}, {job.dir, "build"}};
  return f;
}

std::map<std::string, std::string> base_env(const Context& ctx) {
  std::map<std::string, std::string> env;
  env["SOURCE_DATE_EPOCH"] = std::to_string(ctx.req.stamp.epoch);
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
  if (!step(job, ctx, "configure", configure, ctx.source, env, TargetStatus::BuildFailed)) return false;
  if (!step(job, ctx, "build", {"cmake", "--build", job.dir, "--parallel", std::to_string(ctx.build_jobs)}, ctx.source, env,
            TargetStatus::BuildFailed))
    return false;
  if (!ctx.req.run_tests || !job.tc.runnable) return true;
  tests_ran = true;
  return step(job, ctx, "tests",
              {"ctest", "--test-dir", job.dir, "--output-on-failure", "--timeout", std::to_string(ctx.req.test_timeout.count())},
              ctx.source, env, TargetStatus::TestsFailed);
}

bool build_make(Job& job, const Context& ctx, bool& tests_ran) {
  auto env = base_env(ctx);
  for (auto& [k, v] : make_environment(job.tc, flags_for(job, ctx), ctx.host.env)) env[k] = v;
  env["XSHIP_OUT"] = job.dir;
  // The user's command line is shell syntax by design: the one place xship may use sh -c.
  if (!step(job, ctx, "build", process::command_line_argv(ctx.req.make_command), ctx.source, env, TargetStatus::BuildFailed))
    return false;
  if (!ctx.req.run_tests || !job.tc.runnable) return true;
  tests_ran = true;
  std::string test_command = ctx.req.make_test_command.empty() ? ctx.req.make_command + " test" : ctx.req.make_test_command;
  return step(job, ctx, "tests", process::command_line_argv(test_command), ctx.source, env, TargetStatus::TestsFailed);
}

void run_job(Job& job, const Context& ctx) {
  auto start = std::chrono::steady_clock::now();
  auto finish = [&] { job.res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  std::error_code ec;
  fs::create_directories(job.dir, ec);
  std::ofstream(job.res.log, std::ios::trunc) << fmt::format("xship: {} in {}\n", job.info->target.name(), job.dir);
  bool tests_ran = false;
  bool ok = ctx.req.system == BuildSystem::CMake ? build_cmake(job, ctx, tests_ran) : build_make(job, ctx, tests_ran);
  // A failed test run still leaves a program worth checking and counting.
  if (!ok && job.res.status != TargetStatus::TestsFailed) return finish();

  std::string file = ctx.req.name + job.info->exe_suffix();
  auto built = find_output(job.dir, file);
  if (!built) {
    job.res.status = TargetStatus::NoOutput;
    job.res.message = fmt::format("the build produced no program at '{}/{}' (nor below it): check that --name {} is the "
                                  "program's name{}", job.dir, file, ctx.req.name,
                                  ctx.req.system == BuildSystem::Make ? " and that the Makefile writes it to $XSHIP_OUT" : "");
    return finish();
  }
  if (auto wrong = check_machine(*job.info, *built)) {
    job.res.status = TargetStatus::WrongMachine;
    job.res.message = *wrong;
    return finish();
  }
  std::string dest = (fs::path(ctx.out) / dist_name(ctx.req.name, *job.info)).string();
  auto size = collect(*built, dest);
  if (!size) {
    job.res.status = TargetStatus::BuildFailed;
    job.res.message = size.error().message;
    return finish();
  }
  job.res.output = dest;
  job.res.size = *size;
  if (ctx.req.system == BuildSystem::CMake && tests_ran)
    std::tie(job.res.tests_passed, job.res.tests_total) = ctest_counts(job.res.log);
  if (!ok) return finish();  // tests failed
  if (!ctx.req.run_tests) job.res.status = TargetStatus::Built;
  else if (!job.tc.runnable) {
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
              fs::absolute(req.out_dir, ec).lexically_normal().string(), "Ninja", 1, {}};
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
    case TargetStatus::NoToolchain: return "no toolchain";
    case TargetStatus::Cancelled: return "cancelled";
  }
  return "";
}

bool is_failure(TargetStatus s) {
  return s != TargetStatus::Built && s != TargetStatus::Passed && s != TargetStatus::NoTests && s != TargetStatus::NotRun;
}

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
  std::string root = fs::absolute(req.build_root, ec).lexically_normal().string();

  // Every toolchain is resolved before anything builds: a missing compiler is reported at
  // once, with its apt-get line, not after the other targets took minutes.
  std::vector<Job> jobs;
  for (Target t : req.targets) {
    Job job{&target_info(t), {}, {}, fmt::format("{}/{}", root, t.slug())};
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
    if (req.static_link && t.os == Os::Darwin)
      return usage_error(fmt::format("{} cannot link statically (macOS has no static libc): drop --static or --exclude {}",
                                     t.name(), t.name()));
    if (req.system == BuildSystem::Make && job.tc.kind == CompilerKind::UserFile)
      return usage_error(fmt::format("--toolchain {}=FILE is a CMake toolchain file: it needs --cmake", t.name()));
    jobs.push_back(std::move(job));
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
