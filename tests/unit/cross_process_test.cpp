// The process room: argv without a shell, environment edits, logs, timeouts and stops.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "process/process.h"
#include "scratch_dir.h"

using namespace xship;
using namespace std::chrono_literals;

TEST(CrossProcess, CapturesOutputAndExitCode) {
  auto r = process::capture({"sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_FALSE(r->success());
  EXPECT_EQ(r->output, "out\nerr\n");
  EXPECT_EQ(r->describe(), "exit code 3");
  // No shell unless asked for: the argument reaches the program as one word.
  auto literal = process::capture({"printf", "%s|", "a b; echo no"});
  ASSERT_TRUE(literal.ok());
  EXPECT_EQ(literal->output, "a b; echo no|");
}

TEST(CrossProcess, EnvironmentCwdAndLog) {
  setenv("XSHIP_PROCESS_TEST_DROP", "1", 1);
  ScratchDir scratch("process");
  const std::string dir = scratch.str();
  process::Command cmd;
  cmd.argv = {"sh", "-c", "echo \"$XSHIP_A|${XSHIP_PROCESS_TEST_DROP:-gone}|$(pwd)\""};
  cmd.env = {{"XSHIP_A", "set"}};
  cmd.unset_env = {"XSHIP_PROCESS_TEST_DROP"};
  cmd.cwd = dir;
  cmd.log_path = dir + "/log";
  std::filesystem::remove(cmd.log_path);
  ASSERT_TRUE(process::run(cmd).ok());
  ASSERT_TRUE(process::run(cmd).ok());
  std::string canonical = std::filesystem::canonical(dir).string();
  std::string line = "set|gone|" + canonical + "\n";
  std::ifstream in(cmd.log_path);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text, line + line) << "the log is appended to";
  EXPECT_EQ(process::tail_lines(cmd.log_path, 1), line);
  unsetenv("XSHIP_PROCESS_TEST_DROP");
}

TEST(CrossProcess, TimeoutKillsTheWholeGroup) {
  process::Command cmd;
  // The child's own child must die too: a build tool's compilers go with it.
  cmd.argv = {"sh", "-c", "sleep 30 & sleep 30; echo never"};
  cmd.timeout = 300ms;
  auto start = std::chrono::steady_clock::now();
  auto r = process::run(cmd);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->timed_out);
  EXPECT_FALSE(r->success());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ(r->output.find("never"), std::string::npos);
  EXPECT_NE(r->describe().find("timed out"), std::string::npos);
}

TEST(CrossProcess, StopRequestEndsIt) {
  std::atomic<bool> stop{false};
  process::Command cmd;
  cmd.argv = {"sleep", "30"};
  cmd.should_stop = [&] { return stop.load(); };
  std::thread t([&] {
    std::this_thread::sleep_for(200ms);
    stop = true;
  });
  auto r = process::run(cmd);
  t.join();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->stopped);
  EXPECT_FALSE(r->success());
}

TEST(CrossProcess, MissingProgramIsAnErrorValue) {
  auto r = process::capture({"xship-no-such-program-anywhere"});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("not found on PATH"), std::string::npos);
  EXPECT_FALSE(process::find_program("xship-no-such-program-anywhere").has_value());
  EXPECT_EQ(process::find_program("sh", "/nonexistent:/bin").value_or(""), "/bin/sh");
  EXPECT_FALSE(process::find_program("sh", "/nonexistent").has_value());
}

// --make 'COMMAND': plain words run without a shell, as make runs its recipe lines;
// anything the shell must read goes through sh -c unchanged.
TEST(CommandLineArgv, PlainWordsSkipTheShellAndShellSyntaxKeepsIt) {
  using V = std::vector<std::string>;
  const std::pair<std::string, V> cases[] = {
      {"make -j 2", {"make", "-j", "2"}},
      {"  make\t-j4   all  ", {"make", "-j4", "all"}},
      {"make -C sub CC=gcc", {"make", "-C", "sub", "CC=gcc"}},  // '=' after the first word: an argument
      {"/usr/bin/make -f ci.mk", {"/usr/bin/make", "-f", "ci.mk"}},
      {"CC=gcc make", {"sh", "-c", "CC=gcc make"}},  // an assignment prefix
      {"make && make test", {"sh", "-c", "make && make test"}},
      {"make; make test", {"sh", "-c", "make; make test"}},
      {"make | tee log", {"sh", "-c", "make | tee log"}},
      {"make > log", {"sh", "-c", "make > log"}},
      {"make 'a b'", {"sh", "-c", "make 'a b'"}},
      {"make \"a b\"", {"sh", "-c", "make \"a b\""}},
      {"make $(NPROC)", {"sh", "-c", "make $(NPROC)"}},
      {"make -j`nproc`", {"sh", "-c", "make -j`nproc`"}},
      {"make *.o", {"sh", "-c", "make *.o"}},
      {"make ~/x", {"sh", "-c", "make ~/x"}},
      {"make a\\ b", {"sh", "-c", "make a\\ b"}},
      {"make\nmake test", {"sh", "-c", "make\nmake test"}},
      {"make # comment", {"sh", "-c", "make # comment"}},
      {"cd sub", {"sh", "-c", "cd sub"}},  // builtins exist only in the shell
      {"export X", {"sh", "-c", "export X"}},
      {"test -f x", {"sh", "-c", "test -f x"}},
      {"", {"sh", "-c", ""}},
      {"   ", {"sh", "-c", "   "}},
  };
  for (const auto& [line, want] : cases) EXPECT_EQ(xship::process::command_line_argv(line), want) << "'" << line << "'";
}

// The argv form runs: the words reach the program one by one, unquoted.
TEST(CommandLineArgv, TheSplitLineRuns) {
  auto argv = xship::process::command_line_argv("printf %s| a b");
  ASSERT_EQ(argv[0], "sh");  // '|' is the shell's
  argv = xship::process::command_line_argv("printf %s. a  b");
  ASSERT_EQ(argv.size(), 4u);
  auto r = xship::process::capture(argv);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->output, "a.b.");
}
