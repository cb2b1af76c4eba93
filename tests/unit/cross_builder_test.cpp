// The builder's bookkeeping with stand-in "builds" (sh commands copying known files): the
// machine check, a missing output, a failure with and without --keep-going, tests that
// cannot run, and a missing toolchain. Real compilers are the integration tests' job.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "cross/build_steps.h"
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

TEST(CrossBuilder, StagesCheckedProgramsAndCatchesTheWrongMachine) {
  Fixture f;
  f.req.targets = targets("linux/amd64,linux/arm64");
  f.req.keep_going = true;
  f.req.make_command = "cp /bin/true \"$XSHIP_OUT/prog\"";  // an x86-64 program, whatever the target
  auto r = f.run();
  EXPECT_EQ(r["linux/amd64"].status, TargetStatus::Built) << r["linux/amd64"].message;
  EXPECT_EQ(r["linux/amd64"].stage, f.dir + "/build/linux_amd64/xship-stage");
  EXPECT_TRUE(std::filesystem::exists(f.dir + "/build/linux_amd64/xship-stage/prog"));
  EXPECT_EQ(r["linux/amd64"].programs, std::vector<std::string>{"prog"});
  EXPECT_TRUE(r["linux/amd64"].needs.dynamic) << "/bin/true loads libc";
  EXPECT_FALSE(r["linux/amd64"].needs.glibc.empty()) << "and needs some GLIBC_ version";
  EXPECT_TRUE(r["linux/amd64"].output.empty()) << "writing dist is the release room's job";
  EXPECT_EQ(r["linux/arm64"].status, TargetStatus::WrongMachine);
  EXPECT_NE(r["linux/arm64"].message.find("is ELF 64-bit x86-64, not ELF aarch64"), std::string::npos)
      << r["linux/arm64"].message;
  EXPECT_TRUE(r["linux/arm64"].stage.empty()) << "a wrong program is never staged for release";
  EXPECT_TRUE(is_failure(TargetStatus::WrongMachine));
  EXPECT_TRUE(is_integrity_failure(TargetStatus::WrongMachine));
}

// --max-glibc: a program needing more fails the target, naming symbols; the same limit
// above what it needs passes.
TEST(CrossBuilder, MaxGlibcNamesTheSymbolsThatNeedMore) {
  Fixture f;
  f.req.targets = targets("linux/amd64");
  f.req.make_command = "cp /bin/ls \"$XSHIP_OUT/prog\"";
  auto r = f.run();
  ASSERT_EQ(r["linux/amd64"].status, TargetStatus::Built) << r["linux/amd64"].message;
  std::string needs = r["linux/amd64"].needs.glibc;
  ASSERT_FALSE(needs.empty());
  f.req.max_glibc = "2.2";
  auto old = f.run();
  EXPECT_EQ(old["linux/amd64"].status, TargetStatus::NotPortable);
  EXPECT_NE(old["linux/amd64"].message.find("needs glibc " + needs + ", above --max-glibc 2.2"), std::string::npos)
      << old["linux/amd64"].message;
  EXPECT_NE(old["linux/amd64"].message.find("(GLIBC_"), std::string::npos) << "names symbols and their versions";
  EXPECT_TRUE(is_integrity_failure(TargetStatus::NotPortable));
  f.req.max_glibc = needs;
  EXPECT_EQ(f.run()["linux/amd64"].status, TargetStatus::Built) << "exactly the limit is fine";
}

// Several programs and files: staged side by side; a missing one names itself.
TEST(CrossBuilder, SeveralProgramsAndFilesAreStaged) {
  Fixture f;
  f.req.targets = targets("linux/amd64");
  std::ofstream(f.dir + "/src/README") << "read me";
  std::filesystem::create_directories(f.dir + "/src/docs");
  std::ofstream(f.dir + "/src/docs/a.txt") << "a";
  f.req.programs = {"prog", "tools/other"};
  f.req.files = {"README", "docs"};
  f.req.make_command =
      "cp /bin/true prog && mkdir -p tools && cp /bin/false tools/other";  // in the tree, as in-tree Makefiles do
  auto r = f.run();
  ASSERT_EQ(r["linux/amd64"].status, TargetStatus::Built) << r["linux/amd64"].message;
  std::string stage = r["linux/amd64"].stage;
  for (const char* p : {"prog", "other", "README", "docs/a.txt"})
    EXPECT_TRUE(std::filesystem::exists(stage + "/" + p)) << p;
  EXPECT_EQ(r["linux/amd64"].programs, (std::vector<std::string>{"other", "prog"}));
  EXPECT_FALSE(std::filesystem::exists(f.dir + "/src/prog")) << "the build ran in a copy of the tree, not in it";
  EXPECT_TRUE(std::filesystem::exists(f.dir + "/build/linux_amd64/src/prog"));

  f.req.files = {"LICENSE"};
  auto missing = f.run();
  EXPECT_EQ(missing["linux/amd64"].status, TargetStatus::NoOutput);
  EXPECT_NE(missing["linux/amd64"].message.find("file 'LICENSE'"), std::string::npos) << missing["linux/amd64"].message;
}

TEST(CrossBuilder, MissingOutputNamesTheExpectedPath) {
  Fixture f;
  f.req.targets = targets("windows/amd64");
  f.req.make_command = "true";
  auto r = f.run();
  EXPECT_EQ(r["windows/amd64"].status, TargetStatus::NoOutput);
  EXPECT_NE(r["windows/amd64"].message.find("no program 'prog.exe' in '" + f.dir + "/build/windows_amd64'"),
            std::string::npos)
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
  std::string pe32 = std::string(XSHIP_TEST_DATA_DIR) + "/binaries/hello-c-delayload-windows-386.exe";
  // `test` is appended for the test run, as for `make test`.
  f.req.make_command =
      "step() { if [ \"$1\" = test ]; then echo \"tested, can run: $XSHIP_CAN_RUN\"; "
      "elif [ \"$XSHIP_OS\" = windows ]; then cp " +
      pe32 +
      " \"$XSHIP_OUT/prog.exe\"; "
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
  EXPECT_NE(first.error().message.find("apt-get install -y --no-install-recommends g++-s390x-linux-gnu"),
            std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(f.dir + "/build/linux_amd64")) << "nothing built before the check";

  f.req.keep_going = true;
  auto r = f.run(host);
  EXPECT_EQ(r["linux/amd64"].status, TargetStatus::Built);
  EXPECT_EQ(r["linux/s390x"].status, TargetStatus::NoToolchain);
}

TEST(CrossBuilder, NamesAndStampOverrides) {
  EXPECT_EQ(dist_name("hello", target_info({Os::Windows, Arch::I386})), "hello.windows.386.exe");
  EXPECT_EQ(dist_name("hello", target_info({Os::Linux, Arch::Ppc64le})), "hello.linux.ppc64le");
  std::map<std::string, std::string> vars = {
      {"XSHIP_VERSION", "v9"}, {"XSHIP_COMMIT", "c0ffee"}, {"SOURCE_DATE_EPOCH", "42"}};
  auto lookup = [&](const std::string& k) -> std::optional<std::string> {
    auto it = vars.find(k);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  Stamp s = read_stamp("/nonexistent", lookup).value();
  EXPECT_EQ(s.version, "v9");
  EXPECT_EQ(s.commit, "c0ffee");
  EXPECT_EQ(s.epoch, 42);
  Stamp none = read_stamp("/nonexistent", [](const std::string&) { return std::optional<std::string>{}; }).value();
  EXPECT_EQ(none.commit, "unknown");
  EXPECT_EQ(none.epoch, 0) << "outside git the epoch is still fixed";
  // A SOURCE_DATE_EPOCH that is no time fails here as it does in compress, not silently 0.
  vars["SOURCE_DATE_EPOCH"] = "42abc";
  auto bad = read_stamp("/nonexistent", lookup);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().category, xship::ErrorCategory::Usage);
  EXPECT_NE(bad.error().message.find("SOURCE_DATE_EPOCH='42abc' is not a number of seconds"), std::string::npos);
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
  Stamp all_git = read_stamp(dir, from({})).value();
  EXPECT_EQ(all_git.version, "v1.2.3");
  EXPECT_EQ(all_git.commit, *head);
  EXPECT_EQ(all_git.epoch, 1700000000);

  Stamp commit_given = read_stamp(dir, from({{"XSHIP_COMMIT", "c0ffee"}})).value();
  EXPECT_EQ(commit_given.commit, "c0ffee");
  EXPECT_EQ(commit_given.epoch, 1700000000) << "the epoch still comes from git";

  Stamp epoch_given = read_stamp(dir, from({{"SOURCE_DATE_EPOCH", "42"}})).value();
  EXPECT_EQ(epoch_given.commit, *head) << "the commit still comes from git";
  EXPECT_EQ(epoch_given.epoch, 42);

  std::ofstream(dir + "/f") << "changed";
  EXPECT_EQ(read_stamp(dir, from({})).value().version, "v1.2.3-dirty");
}

// A windows program importing a DLL no Windows has is not shipped; a DLL the project built
// itself is found in the build tree and shipped beside the program.
TEST(CrossBuilder, WindowsImportsAreShippedOrRefused) {
  Fixture f;
  f.req.targets = targets("windows/amd64");
  std::string cpp = std::string(XSHIP_TEST_DATA_DIR) + "/binaries/hello-cpp-windows-amd64.exe";
  f.req.make_command = "cp " + cpp + " \"$XSHIP_OUT/prog.exe\"";
  auto r = f.run();
  EXPECT_EQ(r["windows/amd64"].status, TargetStatus::NotPortable);
  EXPECT_NE(r["windows/amd64"].message.find(
                "'prog.exe' imports libgcc_s_seh-1.dll and libstdc++-6.dll, which are not part of "
                "Windows and not in the release"),
            std::string::npos)
      << r["windows/amd64"].message;

  // The same DLLs built by the project (stand-ins: files of those names) travel with it.
  f.req.make_command = "cp " + cpp +
                       " \"$XSHIP_OUT/prog.exe\" && mkdir -p lib && echo dll > lib/libstdc++-6.dll && "
                       "echo dll > lib/libgcc_s_seh-1.dll";
  auto shipped = f.run();
  ASSERT_EQ(shipped["windows/amd64"].status, TargetStatus::Built) << shipped["windows/amd64"].message;
  for (const char* dll : {"libstdc++-6.dll", "libgcc_s_seh-1.dll"})
    EXPECT_TRUE(std::filesystem::exists(shipped["windows/amd64"].stage + "/" + dll)) << dll << " beside the program";
  EXPECT_EQ(shipped["windows/amd64"].needs.dlls, (std::vector<std::string>{"KERNEL32.dll", "msvcrt.dll"}));
}

TEST(CtestCounts, ReadsTheLastSummaryAndRejectsNonsense) {
  ScratchDir scratch("ctest-counts");
  auto counts = [&](const std::string& text) {
    const std::string log = scratch.str() + "/log";
    std::ofstream(log, std::ios::trunc) << text;
    return xship::cross::detail::ctest_counts(log);
  };
  EXPECT_EQ(counts("67% tests passed, 1 tests failed out of 3\n"), std::make_pair(2, 3));
  EXPECT_EQ(counts("0% tests passed, 1 test failed out of 1\n100% tests passed, 0 tests failed out of 4\n"),
            std::make_pair(4, 4));
  EXPECT_EQ(counts("No tests were found!!!\n"), std::make_pair(0, 0));
  EXPECT_EQ(counts("nothing here\n"), std::make_pair(-1, -1));
  // Counts that do not fit an int, or more failures than tests, are no counts (and no throw).
  EXPECT_EQ(counts("0% tests passed, 1 tests failed out of 99999999999999999999\n"), std::make_pair(-1, -1));
  EXPECT_EQ(counts("0% tests passed, 5 tests failed out of 3\n"), std::make_pair(-1, -1));
}
