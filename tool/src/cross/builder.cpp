#include "cross/builder.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

#include "core/thread_pool.h"
#include "cross/build_steps.h"
#include "process/build_stamp.h"

namespace fs = std::filesystem;

namespace xship::cross {

namespace {

using namespace detail;

void run_job(Job& job, const Context& ctx) {
  auto start = std::chrono::steady_clock::now();
  auto finish = [&] {
    job.res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  std::error_code ec;
  fs::create_directories(job.dir, ec);
  start_log(job);
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
  Context ctx{req,
              host,
              fs::absolute(req.source_dir, ec).lexically_normal().string(),
              fs::absolute(req.out_dir, ec).lexically_normal().string(),
              fs::absolute(req.build_root, ec).lexically_normal().string(),
              "Ninja",
              1,
              {},
              nullptr};
  if (!ctx.source.empty() && ctx.source.back() == '/') ctx.source.pop_back();
  if (!fs::is_directory(ctx.source))
    return usage_error(
        fmt::format("source directory '{}' does not exist: pass the project's top directory", req.source_dir));
  if (req.system == BuildSystem::CMake) {
    if (!fs::exists(ctx.source + "/CMakeLists.txt"))
      return usage_error(fmt::format(
          "'{}' has no CMakeLists.txt: pass --cmake the project's top directory, or use --make", req.source_dir));
    if (!host.find_program("cmake") || !host.find_program("ctest"))
      return usage_error(
          fmt::format("cmake not found: install it with '{}'", apt_install_line("cmake ninja-build", host.root)));
    if (!host.find_program("ninja")) ctx.generator = "Unix Makefiles";
  }
  if (req.name.empty() || req.name.find('/') != std::string::npos)
    return usage_error("--name must be the program's file name (no directories), e.g. --name hello");
  for (const auto& p : req.programs)
    if (p.empty() || p.front() == '/' || p.ends_with('/') || p.find("..") != std::string::npos)
      return usage_error(
          fmt::format("--programs entry '{}' is not a program name or a path inside the build tree "
                      "(e.g. lua or src/lua)",
                      p));
  if (req.install && req.system != BuildSystem::CMake)
    return usage_error("--install stages what `cmake --install` installs: it needs --cmake");
  return ctx;
}

// One target's job: its directories and toolchain resolved, its flags checked.
Result<Job> plan_job(const BuildRequest& req, const Host& host, const Context& ctx, Target t) {
  std::error_code ec;
  Job job{&target_info(t), {}, {}, fmt::format("{}/{}", ctx.root, t.slug()), ""};
  job.tree = req.system == BuildSystem::CMake ? job.dir : req.copy_tree ? job.dir + "/src" : ctx.source;
  job.res.target = t;
  job.res.log = job.dir + "/xship.log";
  if (auto f = req.toolchain_files.find(t.name()); f != req.toolchain_files.end()) {
    job.tc = user_toolchain(*job.info, fs::absolute(f->second, ec).string());
  } else {
    auto s = req.sysroots.find(t.name());
    auto tc = resolve_toolchain(*job.info, host, s == req.sysroots.end() ? "" : s->second);
    if (!tc && !req.keep_going) return tc.error();
    if (tc)
      job.tc = std::move(*tc);
    else
      job.res.status = TargetStatus::NoToolchain, job.res.message = tc.error().message;
  }
  if (req.runtime == Runtime::Static && t.os == Os::Darwin)
    return usage_error(fmt::format(
        "{} cannot link statically (macOS has no static libc): drop --static or --exclude {}", t.name(), t.name()));
  if (req.system == BuildSystem::Make && job.tc.kind == CompilerKind::UserFile)
    return usage_error(fmt::format("--toolchain {}=FILE is a CMake toolchain file: it needs --cmake", t.name()));
  if (req.run_tests && req.binfmt && job.tc.runnable && !binfmt_handler(*job.info).empty()) {
    BinfmtState direct = ensure_binfmt(*job.info, *req.binfmt);
    job.res.direct = direct.on;
    job.res.direct_off = direct.why;
  }
  return job;
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
  return s != TargetStatus::Built && s != TargetStatus::Passed && s != TargetStatus::NoTests &&
         s != TargetStatus::NotRun;
}

bool is_integrity_failure(TargetStatus s) { return s == TargetStatus::WrongMachine || s == TargetStatus::NotPortable; }

std::string dist_name(const std::string& name, const TargetInfo& info) {
  return fmt::format("{}.{}.{}{}", name, os_name(info.target.os), arch_name(info.target.arch), info.exe_suffix());
}

Result<Stamp> read_stamp(const std::string& dir, const EnvLookup& env) {
  auto b = process::read_build_stamp({dir, env("XSHIP_VERSION"), env("XSHIP_COMMIT"), env("SOURCE_DATE_EPOCH")});
  if (!b) return b.error();
  Stamp s;
  if (b->version) s.version = *b->version;
  if (b->commit) s.commit = *b->commit;
  s.epoch = b->epoch.value_or(0);  // outside git: still a fixed date
  return s;
}

Result<std::vector<TargetResult>> run_builds(const BuildRequest& req, const Host& host,
                                             const std::function<void(const TargetResult&)>& done,
                                             const std::atomic<bool>* interrupt) {
  auto ctx = make_context(req, host);
  if (!ctx) return ctx.error();
  std::error_code ec;

  // Every toolchain is resolved before anything builds: a missing compiler is reported at
  // once, with its apt-get line, not after the other targets took minutes.
  std::vector<Job> jobs;
  for (Target t : req.targets) {
    auto job = plan_job(req, host, *ctx, t);
    if (!job) return job.error();
    jobs.push_back(std::move(*job));
  }

  // Only now, every argument and toolchain checked: a refused run leaves nothing behind.
  fs::create_directories(ctx->out, ec);
  if (ec) return runtime_error(fmt::format("cannot create '{}': {}", req.out_dir, ec.message()));
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
          if (ctx->should_stop())
            job.res.message = "not started: another target failed (use --keep-going to build the rest)";
          else
            run_job(job, *ctx);
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
