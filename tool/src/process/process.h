// The one room that starts programs: posix_spawn with an argv vector (no shell unless the
// caller asks for `sh -c`), output to a log file, a timeout, and cancellation. Everything
// else in xship describes what to run; only this file runs it.
#pragma once
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace xship::process {

struct Command {
  std::vector<std::string> argv;  // argv[0] is looked up on PATH when it has no '/'
  std::string cwd;  // empty: the current directory
  std::map<std::string, std::string> env;  // set (over this process's environment)
  std::vector<std::string> unset_env;  // removed from the child's environment
  std::string log_path;  // stdout+stderr appended here; empty: captured
  bool discard_stderr = false;  // stderr to /dev/null instead
  bool stderr_to_parent = false;  // stderr to ours: only stdout is captured
  std::size_t max_output_bytes = 0;  // captured output kept; 0: all of it
  std::chrono::milliseconds timeout{0};  // 0: none
  std::function<bool()> should_stop;  // true -> the child's process group is killed
};

struct Outcome {
  int exit_code = -1;  // valid when neither timed out nor killed by a signal
  int signal = 0;  // the signal that ended it, 0 when it exited
  bool timed_out = false;
  bool stopped = false;  // ended because should_stop() said so
  std::string output;  // stdout+stderr when no log_path was given
  bool output_cut = false;  // there was more than max_output_bytes
  double seconds = 0;
  bool success() const { return !timed_out && !stopped && signal == 0 && exit_code == 0; }
  // "exit code 2", "killed by signal 9", "timed out after 60 s", for messages.
  std::string describe() const;
};

// Runs to completion. An Error only when the program could not be started at all (not
// found, not executable, log not writable); a failing program is an Outcome.
Result<Outcome> run(const Command& cmd);

// Runs `argv` with this process's environment and returns what it printed.
Result<Outcome> capture(std::vector<std::string> argv);

// Words of a command line as a POSIX shell splits them (Python's shlex.split): blanks
// separate, quotes and backslashes escape, nothing is expanded. Nullopt on an unclosed
// quote or a trailing backslash. For commands that must run without a shell.
std::optional<std::vector<std::string>> split_words(std::string_view line);

// A command line as the user typed it (`--make 'make -j 4'`) as an argv. Plain words (no
// quoting, expansion, operator, redirection, assignment or shell builtin) are run without
// a shell, as make does: one process less per build; anything else is {"sh", "-c", line}.
std::vector<std::string> command_line_argv(const std::string& line);

// `git -C dir ARGS...`: its stdout without trailing whitespace; nullopt when git is not
// installed, `dir` is not in a checkout, or git fails. Its stderr ("not a git
// repository") is dropped: every caller has an answer for "unknown".
std::optional<std::string> git_output(const std::string& dir, std::vector<std::string> args);

// The absolute path of `name` on the PATH given (or this process's PATH), when executable.
std::optional<std::string> find_program(const std::string& name, const std::optional<std::string>& path = std::nullopt);

// The last `lines` lines of a file (a failing build's log tail), "" when unreadable.
std::string tail_lines(const std::string& path, int lines);

}  // namespace xship::process
