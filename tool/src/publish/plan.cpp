#include "publish/plan.h"

#include "process/process.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>

namespace fs = std::filesystem;

namespace xship::publish {

std::pair<std::string, std::string> os_arch_from_name(const std::string& name) {
  static constexpr std::array kOs = {"linux", "windows", "darwin", "freebsd"};
  static constexpr std::array kArch = {"amd64", "arm64", "arm", "386", "riscv64", "ppc64le", "s390x"};
  std::string stem = name;
  for (const char* ext : {".gz", ".zst", ".exe"})
    if (stem.size() > std::strlen(ext) && stem.ends_with(ext)) stem.resize(stem.size() - std::strlen(ext));
  auto last = stem.rfind('.');
  if (last == std::string::npos || last == 0) return {};
  auto prev = stem.rfind('.', last - 1);
  if (prev == std::string::npos) return {};
  std::string os = stem.substr(prev + 1, last - prev - 1), arch = stem.substr(last + 1);
  if (std::find(kOs.begin(), kOs.end(), os) == kOs.end()) return {};
  if (std::find(kArch.begin(), kArch.end(), arch) == kArch.end()) return {};
  return {os, arch};
}

namespace {

Status add_file(const std::string& path, std::string relative, std::vector<PlannedFile>& out) {
  if (access(path.c_str(), R_OK) != 0)
    return usage_error(fmt::format("cannot read '{}': {}: fix its permissions or drop it", path, std::strerror(errno)));
  auto st = stamp_file(path);
  if (!st) return st.error();
  PlannedFile f;
  f.path = path;
  f.relative = std::move(relative);
  f.stamp = *st;
  auto [os, arch] = os_arch_from_name(fs::path(path).filename().string());
  f.os = os;
  f.arch = arch;
  out.push_back(std::move(f));
  return ok_status();
}

Result<std::vector<std::string>> git_untracked(const std::string& repo_dir) {
  // The Travis artifacts addon's default: files git neither tracks nor ignores. Run through
  // the process room (argv, no shell), so a directory name is never shell text. git's
  // warnings go to /dev/null, not into the list of names.
  process::Command cmd;
  cmd.argv = {"git", "-C", repo_dir, "ls-files", "-o", "--exclude-standard", "-z"};
  cmd.discard_stderr = true;
  auto r = process::run(cmd);
  if (!r) return runtime_error("--untracked: cannot run git: install git or list paths");
  if (!r->success())
    return usage_error(fmt::format("--untracked: '{}' is not a git work tree: run from one or list paths", repo_dir));
  const std::string& out = r->output;
  std::vector<std::string> files;
  for (size_t start = 0; start < out.size();) {
    size_t end = out.find('\0', start);
    if (end == std::string::npos) end = out.size();
    if (end > start) files.push_back(out.substr(start, end - start));
    start = end + 1;
  }
  return files;
}

}  // namespace

Result<std::vector<PlannedFile>> plan_files(const std::vector<std::string>& paths, bool untracked,
                                            const std::string& repo_dir) {
  std::vector<PlannedFile> out;
  for (const auto& p : paths) {
    std::error_code ec;
    auto status = fs::status(p, ec);
    if (ec || !fs::exists(status))
      return usage_error(fmt::format("'{}' does not exist: check the path (build first?)", p));
    if (fs::is_directory(status)) {
      std::vector<std::pair<std::string, std::string>> found;
      for (auto it = fs::recursive_directory_iterator(p, fs::directory_options::follow_directory_symlink, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file()) found.push_back({it->path().string(), fs::relative(it->path(), p).generic_string()});
      }
      if (ec) return usage_error(fmt::format("cannot walk '{}': {}", p, ec.message()));
      if (found.empty()) return usage_error(fmt::format("directory '{}' has no files to publish: build first or name other paths", p));
      std::sort(found.begin(), found.end());
      for (auto& [path, rel] : found) XSHIP_TRY(add_file(path, rel, out));
    } else if (fs::is_regular_file(status)) {
      XSHIP_TRY(add_file(p, fs::path(p).filename().string(), out));
    } else {
      return usage_error(fmt::format("'{}' is neither a file nor a directory: name regular files", p));
    }
  }
  if (untracked) {
    auto files = git_untracked(repo_dir);
    if (!files) return files.error();
    for (const auto& f : *files) XSHIP_TRY(add_file((fs::path(repo_dir) / f).string(), f, out));
  }
  if (out.empty()) return usage_error("nothing to publish: name files or directories, or pass --untracked");
  std::map<std::string, std::string> seen;
  for (const auto& f : out) {
    auto [it, fresh] = seen.emplace(f.relative, f.path);
    if (!fresh)
      return usage_error(fmt::format("'{}' and '{}' would both be published as '{}': rename one or publish them separately",
                                     it->second, f.path, f.relative));
  }
  return out;
}

}  // namespace xship::publish
