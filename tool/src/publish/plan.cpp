#include "publish/plan.h"

#include "core/unique_fd.h"
#include "process/process.h"
#include "release/manifest.h"
#include "s3/location.h"

#include <dirent.h>
#include <fcntl.h>
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
#include <set>

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

// Opened without following into a FIFO's wait (O_NONBLOCK), and read at the edges of its
// size: a /proc or /sys file, whose size stat gets wrong, would publish as 0 bytes or short.
Status add_file(const std::string& path, std::string relative, std::vector<PlannedFile>& out) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fd)
    return usage_error(fmt::format("cannot read '{}': {}: fix its permissions or drop it", path, std::strerror(errno)));
  struct stat st {};
  char probe[1];
  bool stat_ok = fstat(fd.get(), &st) == 0;
  bool regular = stat_ok && S_ISREG(st.st_mode);
  bool size_true = regular && (st.st_size == 0 || pread(fd.get(), probe, 1, st.st_size - 1) == 1) &&
                   pread(fd.get(), probe, 1, st.st_size) == 0;
  fd.reset();
  if (!regular) return usage_error(fmt::format("'{}' is not a regular file: name regular files", path));
  if (!size_true)
    return usage_error(
        fmt::format("'{}' does not read as the {} bytes its size says (a /proc or /sys file?): copy it "
                    "to a regular file and publish that",
                    path, st.st_size));
  PlannedFile f;
  f.path = path;
  f.relative = std::move(relative);
  f.stamp = stamp_of(st);
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

// A directory walk by hand (opendir/lstat) rather than fs::recursive_directory_iterator:
// keys must come from the names walked, not from resolving links, and a link back to a
// directory being walked must be an error, not an exception or an endless descent.
class Walker {
 public:
  Walker(const std::string& root, Symlinks links, std::vector<std::string>& skipped)
      : root_(root), links_(links), skipped_(skipped) {}
  Status walk(const struct stat& root_st) {
    ancestors_[{root_st.st_dev, root_st.st_ino}] = root_;
    return walk_dir(root_, "");
  }
  std::vector<std::pair<std::string, std::string>> found;  // path on disk, relative key part

 private:
  static constexpr std::size_t kMaxEntries = 1'000'000;  // links that repeat a tree many times over

  Status walk_dir(const std::string& dir, const std::string& rel);
  Status visit(const std::string& path, const std::string& rel);
  Status link_target(const std::string& path, struct stat& st);

  std::string root_;
  Symlinks links_;
  std::vector<std::string>& skipped_;
  std::map<std::pair<dev_t, ino_t>, std::string> ancestors_;  // the directories being walked
  std::size_t entries_ = 0;
};

Status Walker::walk_dir(const std::string& dir, const std::string& rel) {
  DIR* d = opendir(dir.c_str());
  if (!d) return usage_error(fmt::format("cannot read directory '{}': {}", dir, std::strerror(errno)));
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    std::string_view n(e->d_name);
    if (n != "." && n != "..") names.emplace_back(n);
  }
  closedir(d);
  for (const auto& name : names) {
    if (++entries_ > kMaxEntries)
      return usage_error(
          fmt::format("'{}' holds more than {} entries (links that repeat a tree?): publish a smaller "
                      "directory or pass --no-follow-symlinks",
                      root_, kMaxEntries));
    XSHIP_TRY(visit((fs::path(dir) / name).string(), rel.empty() ? name : rel + "/" + name));
  }
  return ok_status();
}

Status Walker::link_target(const std::string& path, struct stat& st) {
  if (stat(path.c_str(), &st) == 0) return ok_status();
  int err = errno;
  std::array<char, 4096> target{};
  ssize_t n = readlink(path.c_str(), target.data(), target.size() - 1);
  std::string to = n > 0 ? std::string(target.data(), static_cast<std::size_t>(n)) : "?";
  if (err == ENOENT || err == ENOTDIR)
    return usage_error(
        fmt::format("'{}' is a dangling symlink (to '{}', which does not exist): fix or remove it, or "
                    "pass --no-follow-symlinks",
                    path, to));
  if (err == ELOOP)
    return usage_error(
        fmt::format("'{}' is a symlink loop (to '{}', links that never reach a file): remove it, or "
                    "pass --no-follow-symlinks",
                    path, to));
  return usage_error(fmt::format("cannot follow the symlink '{}' (to '{}'): {}", path, to, std::strerror(err)));
}

Status Walker::visit(const std::string& path, const std::string& rel) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0)
    return usage_error(
        fmt::format("cannot read '{}': {}: did it vanish while the directory was read?", path, std::strerror(errno)));
  if (S_ISLNK(st.st_mode)) {
    if (links_ == Symlinks::Skip) {
      skipped_.push_back(path);
      return ok_status();
    }
    XSHIP_TRY(link_target(path, st));
  }
  if (S_ISDIR(st.st_mode)) {
    auto [it, fresh] = ancestors_.emplace(std::pair{st.st_dev, st.st_ino}, path);
    if (!fresh)
      return usage_error(
          fmt::format("'{}' is a symlink loop: it leads back to '{}', which contains it: remove it, or "
                      "pass --no-follow-symlinks",
                      path, it->second));
    Status s = walk_dir(path, rel);
    ancestors_.erase(it);
    return s;
  }
  if (S_ISREG(st.st_mode)) found.push_back({path, rel});  // FIFOs, sockets, devices: not files to publish
  return ok_status();
}

Status add_directory(const std::string& p, const struct stat& st, const PlanOptions& opts, Plan& plan) {
  Walker w(p, opts.symlinks, plan.skipped_links);
  XSHIP_TRY(w.walk(st));
  if (w.found.empty())
    return usage_error(fmt::format("directory '{}' has no files to publish: build first or name other paths", p));
  std::sort(w.found.begin(), w.found.end());
  for (auto& [path, rel] : w.found) XSHIP_TRY(add_file(path, rel, plan.files));
  return ok_status();
}

Status check_keys(const std::vector<PlannedFile>& files) {
  std::map<std::string, std::string> seen;
  for (const auto& f : files) {
    if (!is_clean_relative(f.relative))
      return usage_error(
          fmt::format("'{}' cannot be published as '{}': names with control characters (a newline "
                      "would split its SHA256SUMS line) or '.'/'..' segments are refused; rename it",
                      f.path, f.relative));
    auto [it, fresh] = seen.emplace(f.relative, f.path);
    if (!fresh)
      return usage_error(
          fmt::format("'{}' and '{}' would both be published as '{}': rename one or publish them separately",
                      it->second, f.path, f.relative));
  }
  return ok_status();
}

}  // namespace

Result<Plan> plan_publish(const std::vector<std::string>& paths, const PlanOptions& opts) {
  Plan plan;
  for (const auto& p : paths) {
    struct stat st {};
    if (stat(p.c_str(), &st) != 0) {
      if (errno == ELOOP) return usage_error(fmt::format("'{}' is a symlink loop: remove it or name its target", p));
      return usage_error(fmt::format("'{}' does not exist: check the path (build first?)", p));
    }
    if (S_ISDIR(st.st_mode))
      XSHIP_TRY(add_directory(p, st, opts, plan));
    else if (S_ISREG(st.st_mode))
      XSHIP_TRY(add_file(p, fs::path(p).filename().string(), plan.files));
    else
      return usage_error(fmt::format("'{}' is neither a file nor a directory: name regular files", p));
  }
  if (opts.untracked) {
    auto files = git_untracked(opts.repo_dir);
    if (!files) return files.error();
    for (const auto& f : *files) XSHIP_TRY(add_file((fs::path(opts.repo_dir) / f).string(), f, plan.files));
  }
  if (plan.files.empty()) return usage_error("nothing to publish: name files or directories, or pass --untracked");
  XSHIP_TRY(check_keys(plan.files));
  return plan;
}

Result<std::vector<PlannedFile>> plan_files(const std::vector<std::string>& paths, bool untracked,
                                            const std::string& repo_dir) {
  auto plan = plan_publish(paths, {untracked, repo_dir, Symlinks::Follow});
  if (!plan) return plan.error();
  return std::move(plan->files);
}

Result<std::string> job_manifest_name(const std::string& name_template, const std::vector<PlannedFile>& files,
                                      const BuildInfo& info) {
  std::map<std::string, std::string> extra;
  if (name_template.find("{os}") != std::string::npos || name_template.find("{arch}") != std::string::npos) {
    std::set<std::pair<std::string, std::string>> targets;
    for (const auto& f : files)
      if (!f.os.empty()) targets.insert({f.os, f.arch});
    if (targets.empty())
      return usage_error(
          fmt::format("--job-manifest '{}': {{os}}/{{arch}} come from the published files' NAME.OS.ARCH "
                      "names and none has one: pass a literal name, e.g. the CI job's target",
                      name_template));
    if (targets.size() > 1)
      return usage_error(
          fmt::format("--job-manifest '{}': the files are for {}/{} and {}/{}, so {{os}}/{{arch}} name no "
                      "one target: publish one target per job, or pass a literal name",
                      name_template, targets.begin()->first, targets.begin()->second, std::next(targets.begin())->first,
                      std::next(targets.begin())->second));
    extra = {{"os", targets.begin()->first}, {"arch", targets.begin()->second}};
  }
  auto name = expand_template(name_template, info, extra);
  if (!name) {
    // expand_template speaks of --to; say which flag it was.
    Error e = name.error();
    if (auto at = e.message.find("in --to '"); at != std::string::npos) e.message.replace(at, 9, "in --job-manifest '");
    return e;
  }
  if (!release::is_job_name(*name))
    return usage_error(
        fmt::format("--job-manifest '{}' gives '{}', which is not a plain file name: use letters, digits, "
                    "'.', '_' and '-' (e.g. {{os}}-{{arch}} or the CI job id)",
                    name_template, *name));
  return *name;
}

}  // namespace xship::publish
