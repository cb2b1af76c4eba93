// The builder's bookkeeping with stand-in "builds" (sh commands copying known files): the
// machine check, a missing output, a failure with and without --keep-going, tests that
// cannot run, and a missing toolchain. Real compilers are the integration tests' job.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "cross/builder.h"
#include "process/process.h"
#include "scratch_dir.h"

using namespace xship;
using namespace xship::cross;

namespace {

Host pretend_host(std::set<std::string> missing = {}) {
  Host h;
  h.find_program = [missing](const std::string& name) -> std::optional<std::string> {
    if (missing.count(name)) return std::nullopt;
    return "/usr/bin/" + name;
  };
  h.exists = [](const std::string& p) { return p == "/usr/lib/wine" || p == "/usr/lib/wine/wine64"; };
  h.list_dir = [](const std::string&) { return std::vector<std::string>{}; };
  h.env = [](const std::string&) { return std::optional<std::string>{}; };
  h.root = true;
  return h;
}

struct Fixture {
  ScratchDir scratch{"builder"};
  std::string dir = scratch.str();
  BuildRequest req;
  Fixture() {
    std::filesystem::create_directories(dir + "/src");
    req.system = BuildSystem::Make;
    req.source_dir = dir + "/src";
    req.out_dir = dir + "/dist";
    req.build_root = dir + "/build";
    req.name = "prog";
    req.jobs = 1;
  }
  std::map<std::string, TargetResult> run(const Host& host = pretend_host()) {
    std::map<std::string, TargetResult> by_name;
    auto r = run_builds(req, host, [](const TargetResult&) {});
    EXPECT_TRUE(r.ok()) << r.error().message;
    if (r.ok())
      for (auto& t : *r) by_name[t.target.name()] = t;
    return by_name;
  }
};

std::vector<Target> targets(const char* list) { return *parse_target_list(list); }

}  // namespace

TEST(CrossBuilder, CollectsCheckedProgramsAndCatchesTheWrongMachine) {
  Fixture f;
  f.req.targets = targets("linux/amd64,linux/arm64");
  f.req.keep_going = true;
  f.req.make_command = "cp /bin/true \"$XSHIP_OUT/prog\"";  // an x86-64 program, whatever the target
  auto r = f.run();
  EXPECT_EQ(r["linux/amd64"].status, TargetStatus::Built);
  EXPECT_EQ(r["linux/amd64"].output, f.dir + "/dist/prog.linux.amd64");
  EXPECT_TRUE(std::filesystem::exists(f.dir + "/dist/prog.linux.amd64"));
  EXPECT_GT(r["linux/amd64"].size, 0u);
  EXPECT_EQ(r["linux/arm64"].status, TargetStatus::WrongMachine);
  EXPECT_NE(r["linux/arm64"].message.find("is ELF 64-bit x86-64, not ELF aarch64"), std::string::npos)
      << r["linux/arm64"].message;
  EXPECT_FALSE(std::filesystem::exists(f.dir + "/dist/prog.linux.arm64")) << "a wrong program is never collected";
  EXPECT_TRUE(is_failure(TargetStatus::WrongMachine));
}

TEST(CrossBuilder, MissingOutputNamesTheExpectedPath) {
  Fixture f;
  f.req.targets = targets("windows/amd64");
  f.req.make_command = "true";
  auto r = f.run();
  EXPECT_EQ(r["windows/amd64"].status, TargetStatus::NoOutput);
  EXPECT_NE(r["windows/amd64"].message.find(f.dir + "/build/windows_amd64/prog.exe"), std::string::npos)
      << r["windows/amd64"].message;
  EXPECT_NE(r["windows/amd64"].message.find("$XSHIP_OUT"), std::string::npos);
}

TEST(CrossBuilder, FailureStopsTheRestUnlessKeepGoing) {
  Fixture f;
  f.req.targets = targets("linux/amd64,linux/arm64");
  f.req.make_command = "echo compiling $XSHIP_ARCH; exit 3";
  auto r = f.run();
  EXPECT_EQ(r["linux/amd64"].status, TargetStatus::BuildFailed);
  EXPECT_NE(r["linux/amd64"].message.find("build failed (exit code 3)"), std::string::npos) << r["linux/amd64"].message;
  EXPECT_EQ(r["linux/arm64"].status, TargetStatus::Cancelled);
  EXPECT_TRUE(is_failure(TargetStatus::Cancelled));

  f.req.keep_going = true;
  auto all = f.run();
  EXPECT_EQ(all["linux/arm64"].status, TargetStatus::BuildFailed);
  EXPECT_EQ(process::tail_lines(all["linux/arm64"].log, 1), "compiling arm64\n");
}

TEST(CrossBuilder, TestsRunWhereAnEmulatorIsAndAreNotRunElsewhere) {
  Fixture f;
  f.req.targets = targets("linux/amd64,windows/386");
  f.req.run_tests = true;
  f.req.keep_going = true;
  std::string pe32 = std::string(XSHIP_TEST_DATA_DIR) + "/binaries/pe-i386.bin";
  // `test` is appended for the test run, as for `make test`.
  f.req.make_command = "step() { if [ \"$1\" = test ]; then echo \"tested, can run: $XSHIP_CAN_RUN\"; "
                       "elif [ \"$XSHIP_OS\" = windows ]; then cp " + pe32 + " \"$XSHIP_OUT/prog.exe\"; "
                       "else cp /bin/true \"$XSHIP_OUT/prog\"; fi; }; step";
  auto r = f.run();
  EXPECT_EQ(r["linux/amd64"].status, TargetStatus::Passed);
  EXPECT_NE(process::tail_lines(r["linux/amd64"].log, 5).find("tested, can run: yes"), std::string::npos);
  EXPECT_EQ(r["windows/386"].status, TargetStatus::NotRun) << r["windows/386"].message;
  EXPECT_NE(r["windows/386"].message.find("wine32"), std::string::npos);
  EXPECT_FALSE(is_failure(TargetStatus::NotRun));
  EXPECT_STREQ(status_name(TargetStatus::NotRun), "not run");
}

TEST(CrossBuilder, MissingToolchainFailsFirstOrIsReportedWithKeepGoing) {
  Fixture f;
  f.req.targets = targets("linux/amd64,linux/s390x");
  f.req.make_command = "cp /bin/true \"$XSHIP_OUT/prog\"";
  Host host = pretend_host({"s390x-linux-gnu-gcc"});
  auto first = run_builds(f.req, host, [](const TargetResult&) {});
  ASSERT_FALSE(first.ok());
  EXPECT_NE(first.error().message.find("apt-get install -y --no-install-recommends g++-s390x-linux-gnu"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(f.dir + "/dist/prog.linux.amd64")) << "nothing built before the check";

  f.req.keep_going = true;
  auto r = f.run(host);
  EXPECT_EQ(r["linux/amd64"].status, TargetStatus::Built);
  EXPECT_EQ(r["linux/s390x"].status, TargetStatus::NoToolchain);
}

TEST(CrossBuilder, NamesAndStampOverrides) {
  EXPECT_EQ(dist_name("hello", target_info({Os::Windows, Arch::I386})), "hello.windows.386.exe");
  EXPECT_EQ(dist_name("hello", target_info({Os::Linux, Arch::Ppc64le})), "hello.linux.ppc64le");
  std::map<std::string, std::string> vars = {{"XSHIP_VERSION", "v9"}, {"XSHIP_COMMIT", "c0ffee"}, {"SOURCE_DATE_EPOCH", "42"}};
  Stamp s = read_stamp("/nonexistent", [&](const std::string& k) -> std::optional<std::string> {
    auto it = vars.find(k);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  });
  EXPECT_EQ(s.version, "v9");
  EXPECT_EQ(s.commit, "c0ffee");
  EXPECT_EQ(s.epoch, 42);
  Stamp none = read_stamp("/nonexistent", [](const std::string&) { return std::optional<std::string>{}; });
  EXPECT_EQ(none.commit, "unknown");
  EXPECT_EQ(none.epoch, 0) << "outside git the epoch is still fixed";
}

// In a checkout, what the environment does not give comes from git, and what it gives wins.
TEST(CrossBuilder, StampTakesFromGitWhatTheEnvironmentLeavesOut) {
  ScratchDir scratch("stamp");
  const std::string dir = scratch.str();
  std::ofstream(dir + "/f") << "x";
  std::string git = "git -C '" + dir + "' ";
  ASSERT_EQ(std::system((git + "init -q && " + git + "add f && GIT_COMMITTER_DATE=@1700000000 " + git +
                         "-c user.name=t -c user.email=t@t commit -q -m one && " + git + "tag v1.2.3")
                            .c_str()),
            0);
  auto head = xship::process::git_output(dir, {"rev-parse", "HEAD"});
  ASSERT_TRUE(head.has_value());
  auto from = [](std::map<std::string, std::string> vars) {
    return [vars](const std::string& k) -> std::optional<std::string> {
      auto it = vars.find(k);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  };
  Stamp all_git = read_stamp(dir, from({}));
  EXPECT_EQ(all_git.version, "v1.2.3");
  EXPECT_EQ(all_git.commit, *head);
  EXPECT_EQ(all_git.epoch, 1700000000);

  Stamp commit_given = read_stamp(dir, from({{"XSHIP_COMMIT", "c0ffee"}}));
  EXPECT_EQ(commit_given.commit, "c0ffee");
  EXPECT_EQ(commit_given.epoch, 1700000000) << "the epoch still comes from git";

  Stamp epoch_given = read_stamp(dir, from({{"SOURCE_DATE_EPOCH", "42"}}));
  EXPECT_EQ(epoch_given.commit, *head) << "the commit still comes from git";
  EXPECT_EQ(epoch_given.epoch, 42);

  std::ofstream(dir + "/f") << "changed";
  EXPECT_EQ(read_stamp(dir, from({})).version, "v1.2.3-dirty");
}
