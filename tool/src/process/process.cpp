#include "process/process.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <set>
#include <thread>

#include "core/env.h"
#include "core/unique_fd.h"

extern char** environ;

namespace xship::process {

namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> child_environment(const Command& cmd) {
  std::set<std::string> drop(cmd.unset_env.begin(), cmd.unset_env.end());
  for (const auto& [k, v] : cmd.env) drop.insert(k);
  std::vector<std::string> out;
  for (char** e = environ; *e; ++e) {
    std::string_view entry(*e);
    if (!drop.count(std::string(entry.substr(0, entry.find('='))))) out.emplace_back(entry);
  }
  for (const auto& [k, v] : cmd.env) out.push_back(k + "=" + v);
  return out;
}

// Owns the spawn attribute objects so every return path releases them.
struct SpawnSetup {
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  int init_error = 0;
  SpawnSetup() {
    init_error = posix_spawn_file_actions_init(&fa);
    if (int rc = posix_spawnattr_init(&attr); rc != 0 && init_error == 0) init_error = rc;
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
  }
};

// Where the child's stdin, stdout and stderr go, its working directory, its own process
// group and default signal dispositions (the parent's SIGINT handler and any ignored
// SIGPIPE must not leak into builds). A runtime error when libc refuses any of it.
Status prepare_spawn(SpawnSetup& s, const Command& cmd, int out_fd) {
  posix_spawn_file_actions_t* fa = &s.fa;
  int rc = posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0);
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(fa, out_fd, 1);
  if (rc == 0 && cmd.discard_stderr)
    rc = posix_spawn_file_actions_addopen(fa, 2, "/dev/null", O_WRONLY, 0);
  else if (rc == 0 && !cmd.stderr_to_parent)
    rc = posix_spawn_file_actions_adddup2(fa, out_fd, 2);
  if (rc == 0 && !cmd.cwd.empty()) rc = posix_spawn_file_actions_addchdir_np(fa, cmd.cwd.c_str());
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int sig : {SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT}) sigaddset(&defaults, sig);
  if (rc == 0) rc = posix_spawnattr_setsigmask(&s.attr, &none);
  if (rc == 0) rc = posix_spawnattr_setsigdefault(&s.attr, &defaults);
  if (rc == 0) rc = posix_spawnattr_setpgroup(&s.attr, 0);
  if (rc == 0)
    rc = posix_spawnattr_setflags(&s.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  if (rc != 0 || s.init_error != 0)
    return runtime_error(
        fmt::format("cannot prepare to start '{}': {}", cmd.argv[0], std::strerror(rc ? rc : s.init_error)));
  return ok_status();
}

// A temporary file for captured output: unlike a pipe it needs no reader thread and
// cannot fill up and block the child.
int open_capture_file() {
  std::string tmpdir = process_env()("TMPDIR").value_or("");
  std::string tmpl = (tmpdir.empty() ? std::string("/tmp") : tmpdir) + "/xship-out-XXXXXX";
  int fd = mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd >= 0) unlink(tmpl.c_str());
  return fd;
}

// All of the file, or its first `max` bytes (`cut` set when there was more).
std::string read_fd(int fd, std::size_t max, bool& cut) {
  std::string out;
  lseek(fd, 0, SEEK_SET);
  char buf[65536];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) {
    out.append(buf, static_cast<std::size_t>(n));
    if (max && out.size() > max) {
      out.resize(max);
      cut = true;
      break;
    }
  }
  return out;
}

// The child leads its own process group, so a build tool's children die with it.
void kill_group(pid_t pid, int sig) { kill(-pid, sig); }

// Waits for the child, killing its group on timeout or a stop request (SIGTERM, then
// SIGKILL after 3 s). Returns the wait status; a runtime error when waitpid fails.
Result<int> wait_child(pid_t pid, const std::string& program, const Command& cmd, Clock::time_point start,
                       Outcome& out) {
  int status = 0;
  // A pidfd becomes readable the moment the child exits, so waiting costs no latency;
  // the 50 ms poll timeout is only for noticing timeouts and stop requests. Without
  // pidfds (Linux < 5.3) short sleeps stand in.
  UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  auto nap = std::chrono::microseconds(500);
  std::optional<Clock::time_point> killed_at;
  for (;;) {
    pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) {
      int err = errno;
      kill_group(pid, SIGKILL);
      return runtime_error(fmt::format("cannot wait for '{}' (pid {}): {}", program, pid, std::strerror(err)));
    }
    auto now = Clock::now();
    bool over_time = cmd.timeout.count() > 0 && now - start > cmd.timeout;
    bool stop = cmd.should_stop && cmd.should_stop();
    if ((over_time || stop) && !killed_at) {
      out.timed_out = over_time;
      out.stopped = stop && !over_time;
      kill_group(pid, SIGTERM);
      killed_at = now;
    } else if (killed_at && now - *killed_at > std::chrono::seconds(3)) {
      kill_group(pid, SIGKILL);
    }
    if (pidfd) {
      pollfd p{pidfd.get(), POLLIN, 0};
      poll(&p, 1, 50);
    } else {
      std::this_thread::sleep_for(nap);
      nap = std::min<std::chrono::microseconds>(nap * 2, std::chrono::milliseconds(20));
    }
  }
  if (killed_at) kill_group(pid, SIGKILL);  // stragglers that ignored SIGTERM
  return status;
}

}  // namespace

std::string Outcome::describe() const {
  if (timed_out) return fmt::format("timed out after {:.0f} s", seconds);
  if (stopped) return "stopped";
  if (signal) return fmt::format("killed by signal {} ({})", signal, strsignal(signal));
  return fmt::format("exit code {}", exit_code);
}

std::optional<std::string> find_program(const std::string& name, const std::optional<std::string>& path) {
  if (name.empty()) return std::nullopt;
  if (name.find('/') != std::string::npos) return access(name.c_str(), X_OK) == 0 ? std::optional(name) : std::nullopt;
  std::string dirs;
  if (path)
    dirs = *path;
  else
    dirs = process_env()("PATH").value_or("");
  std::size_t start = 0;
  while (start <= dirs.size()) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    struct stat st {};
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(candidate.c_str(), X_OK) == 0)
      return candidate;
    start = end + 1;
  }
  return std::nullopt;
}

Result<Outcome> run(const Command& cmd) {
  if (cmd.argv.empty()) return runtime_error("internal: empty command");
  auto path_it = cmd.env.find("PATH");
  auto program = find_program(cmd.argv[0], path_it == cmd.env.end() ? std::nullopt : std::optional(path_it->second));
  if (!program)
    return runtime_error(fmt::format("'{}' not found on PATH: install it or add its directory to PATH", cmd.argv[0]));

  UniqueFd sink(cmd.log_path.empty() ? open_capture_file()
                                     : open(cmd.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  int out_fd = sink.get();
  if (!sink)
    return runtime_error(fmt::format("cannot open '{}' for output: {}",
                                     cmd.log_path.empty() ? "a temporary file" : cmd.log_path, std::strerror(errno)));

  SpawnSetup s;
  XSHIP_TRY(prepare_spawn(s, cmd, out_fd));

  std::vector<std::string> env_store = child_environment(cmd);
  std::vector<char*> argv, envp;
  for (const auto& a : cmd.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (auto& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);

  auto start = Clock::now();
  pid_t pid = 0;
  if (int rc = posix_spawn(&pid, program->c_str(), &s.fa, &s.attr, argv.data(), envp.data()); rc != 0)
    return runtime_error(fmt::format("cannot start '{}': {}", *program, std::strerror(rc)));

  Outcome out;
  auto status = wait_child(pid, *program, cmd, start, out);
  if (!status) return status.error();
  out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (WIFEXITED(*status))
    out.exit_code = WEXITSTATUS(*status);
  else if (WIFSIGNALED(*status))
    out.signal = WTERMSIG(*status);
  if (cmd.log_path.empty()) out.output = read_fd(out_fd, cmd.max_output_bytes, out.output_cut);
  return out;
}

Result<Outcome> capture(std::vector<std::string> argv) {
  Command cmd;
  cmd.argv = std::move(argv);
  return run(cmd);
}

std::optional<std::string> git_output(const std::string& dir, std::vector<std::string> args) {
  Command cmd;
  cmd.argv = {"git", "-C", dir};
  cmd.argv.insert(cmd.argv.end(), std::make_move_iterator(args.begin()), std::make_move_iterator(args.end()));
  cmd.discard_stderr = true;
  auto r = run(cmd);
  if (!r || !r->success()) return std::nullopt;
  std::string out = std::move(r->output);
  while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back()))) out.pop_back();
  return out;
}

std::string tail_lines(const std::string& path, int lines) {
  std::ifstream in(path);
  if (!in) return "";
  std::deque<std::string> last;
  for (std::string line; std::getline(in, line);) {
    last.push_back(std::move(line));
    if (static_cast<int>(last.size()) > lines) last.pop_front();
  }
  std::string out;
  for (const auto& l : last) out += l + "\n";
  return out;
}

std::optional<std::vector<std::string>> split_words(std::string_view line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quote == '\'') {
      if (c == '\'')
        quote = 0;
      else
        word.push_back(c);
    } else if (quote == '"') {
      if (c == '"')
        quote = 0;
      else if (c == '\\' && i + 1 < line.size() && (line[i + 1] == '"' || line[i + 1] == '\\'))
        word.push_back(line[++i]);
      else
        word.push_back(c);
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      in_word = true;
      if (c == '\'' || c == '"')
        quote = c;
      else if (c != '\\')
        word.push_back(c);
      else if (i + 1 < line.size())
        word.push_back(line[++i]);
      else
        return std::nullopt;  // a trailing backslash escapes nothing
    }
  }
  if (quote) return std::nullopt;
  if (in_word) words.push_back(std::move(word));
  return words;
}

std::vector<std::string> command_line_argv(const std::string& line) {
  // GNU make's rule (job.c, sh_chars and sh_cmds): these characters, a '=' in the first
  // word, or a first word the shell itself carries mean the shell must read the line.
  constexpr std::string_view shell_chars = "#;\"*?[]&|<>(){}$`^~!'\\\n\r";
  static const std::set<std::string, std::less<>> shell_words = {
      ".",        ":",    "[",      "alias",    "bg",      "break", "case",  "cd",      "command",
      "continue", "eval", "exec",   "exit",     "export",  "fg",    "for",   "getopts", "hash",
      "if",       "jobs", "read",   "readonly", "return",  "set",   "shift", "test",    "times",
      "trap",     "type", "ulimit", "umask",    "unalias", "unset", "until", "wait",    "while",
  };
  std::vector<std::string> words;
  bool plain = line.find_first_of(shell_chars) == std::string::npos;
  for (std::size_t i = 0; plain && i < line.size();) {
    i = line.find_first_not_of(" \t", i);
    if (i == std::string::npos) break;
    std::size_t end = line.find_first_of(" \t", i);
    words.push_back(line.substr(i, end == std::string::npos ? std::string::npos : end - i));
    i = end == std::string::npos ? line.size() : end;
  }
  if (!plain || words.empty() || words[0].find('=') != std::string::npos || shell_words.contains(words[0]))
    return {"sh", "-c", line};
  return words;
}

}  // namespace xship::process
