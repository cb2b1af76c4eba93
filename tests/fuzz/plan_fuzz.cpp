// The key planner over random trees: directories, files and symlinks with hostile names
// ('.', '..', newlines, ESC, backslashes) and links that point up, sideways, at themselves
// or nowhere. Whatever the tree, a plan either fails with one Usage error or gives keys
// that are the entries' own paths below the directory: never a '.'/'..' or empty segment,
// never a control character, never outside the prefix, each on a regular file.
// Input: lines "d NAME" (make and enter a directory), "u" (back up), "f NAME" (a file),
// "l NAME>TARGET" (a symlink), "s" (plan with --no-follow-symlinks). In names "\n" and
// "\e" stand for a newline and ESC; '/' and NUL are dropped. A TARGET's ".." segments are
// capped so no link reaches above the sandbox the tree is built in.
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "publish/plan.h"
#include "s3/location.h"

using namespace xship;
namespace fs = std::filesystem;

namespace {
// One sandbox per process, /tmp/xship-plan-fuzz-PID. libFuzzer may end without running
// atexit handlers, so sandboxes of processes that are gone are removed at start.
const fs::path& sandbox() {
  static const fs::path dir = [] {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(fs::temp_directory_path(), ec)) {
      std::string name = e.path().filename().string();
      if (!name.starts_with("xship-plan-fuzz-")) continue;
      pid_t pid = static_cast<pid_t>(std::atol(name.c_str() + 16));
      if (pid > 0 && kill(pid, 0) != 0 && errno == ESRCH) fs::remove_all(e.path(), ec);
    }
    fs::path d = fs::temp_directory_path() / ("xship-plan-fuzz-" + std::to_string(getpid()));
    fs::remove_all(d, ec);
    fs::create_directories(d);
    return d;
  }();
  // Registered once `dir` is built, so it runs before `dir` is destroyed.
  static const bool cleanup = std::atexit([] {
                                std::error_code ec;
                                fs::remove_all(dir, ec);
                              }) == 0;
  (void)cleanup;
  return dir;
}

std::string decode(std::string_view raw) {
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\\' && i + 1 < raw.size() && (raw[i + 1] == 'n' || raw[i + 1] == 'e')) {
      out.push_back(raw[++i] == 'n' ? '\n' : '\x1b');
    } else if (raw[i] != '/' && raw[i] != '\0') {
      out.push_back(raw[i]);
    }
  }
  return out.substr(0, 64);
}

// '..' only leading and at most `ups` of them (the link's real depth below the sandbox),
// so that no link, alone or through others, reaches above the sandbox.
std::string target_of(std::string_view raw, std::size_t ups) {
  std::string out;
  bool leading = true;
  for (std::size_t start = 0; start <= raw.size();) {
    std::size_t end = std::min(raw.find('/', start), raw.size());
    std::string seg(raw.substr(start, end - start));
    if (seg == "..") {
      if (!leading || ups == 0)
        seg = ".";
      else
        --ups;
    } else if (seg != ".") {
      leading = false;
    }
    std::string name = seg == "." || seg == ".." ? seg : decode(seg);
    if (!name.empty()) out += (out.empty() ? "" : "/") + name;
    start = end + 1;
  }
  return out.empty() ? "." : out;
}

// How deep `dir` really is below the sandbox (it may have been entered through a link).
std::size_t real_depth(const fs::path& dir) {
  std::error_code ec;
  fs::path rel = fs::canonical(dir, ec).lexically_relative(fs::canonical(sandbox()));
  if (ec || rel.empty() || *rel.begin() == "..") return 0;
  std::size_t n = 0;
  for (const auto& part : rel) n += part != ".";
  return n;
}

// Builds the tree under sandbox()/pub; true when links are to be skipped.
bool build(std::string_view in, const fs::path& root) {
  fs::path dir = root;
  std::size_t depth = 0;  // below root
  bool skip = false;
  int ops = 0;
  for (std::size_t start = 0; start < in.size() && ops < 64; ++ops) {
    std::size_t nl = std::min(in.find('\n', start), in.size());
    std::string_view line = in.substr(start, nl - start);
    start = nl + 1;
    if (line.empty()) continue;
    std::string_view arg = line.size() > 2 ? line.substr(2) : std::string_view();
    switch (line[0]) {
      case 'd': {
        std::string name = decode(arg);
        if (name.empty() || depth >= 8 || (mkdir((dir / name).c_str(), 0755) != 0 && errno != EEXIST)) break;
        if (name != "." && name != "..") dir /= name, ++depth;
        break;
      }
      case 'u':
        if (depth > 0) dir = dir.parent_path(), --depth;
        break;
      case 'f':
        if (auto name = decode(arg); !name.empty()) std::ofstream(dir / name) << line;
        break;
      case 'l': {
        std::size_t gt = arg.find('>');
        std::string name = decode(arg.substr(0, gt));
        std::string target = target_of(gt == std::string_view::npos ? "" : arg.substr(gt + 1), real_depth(dir));
        if (!name.empty()) (void)!symlink(target.c_str(), (dir / name).c_str());
        break;
      }
      case 's': skip = true; break;
      default: break;
    }
  }
  return skip;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fs::path root = sandbox() / "pub";
  std::error_code ec;
  fs::remove_all(root, ec);
  fs::create_directories(root);
  bool skip = build(std::string_view(reinterpret_cast<const char*>(data), size), root);

  auto plan =
      publish::plan_publish({root.string()}, {false, ".", skip ? publish::Symlinks::Skip : publish::Symlinks::Follow});
  if (!plan) {
    if (plan.error().category != ErrorCategory::Usage || plan.error().message.empty()) std::abort();
    return 0;
  }
  const std::string prefix = "rel/v1";
  std::set<std::string> keys;
  for (const auto& f : plan->files) {
    if (!is_clean_relative(f.relative)) std::abort();
    std::string key = join_key(prefix, f.relative);
    if (!key.starts_with(prefix + "/") || !keys.insert(key).second) std::abort();
    if (f.path != (root / f.relative).string()) std::abort();  // the entry's own path, never resolved
    struct stat st {};
    if (stat(f.path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) std::abort();
    if (skip) {
      for (fs::path p = f.path; p != root; p = p.parent_path())
        if (fs::is_symlink(p)) std::abort();  // nothing reached through a skipped link
    }
  }
  return 0;
}
