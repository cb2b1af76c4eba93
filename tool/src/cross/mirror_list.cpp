#include "cross/mirror_list.h"

#include <dirent.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>

#include "core/env.h"
#include "cross/mirror_copy.h"
#include "process/process.h"

namespace xship::cross::mirror {

namespace {

constexpr std::size_t kMaxPaths = 1'000'000;
constexpr int kMaxNesting = 8;  // repositories inside repositories

bool under(const std::string& rel, const std::string& dir) {
  return rel == dir || (rel.size() > dir.size() && rel.compare(0, dir.size(), dir) == 0 && rel[dir.size()] == '/');
}

bool never_copied_name(std::string_view name) { return name == ".git" || name == ".xship"; }

// Whether git could find a repository for `dir`: a .git in it or above it (git's own
// discovery, which GIT_CEILING_DIRECTORIES can only cut short), or GIT_DIR set.
bool in_repository(const std::string& dir) {
  if (!process_env()("GIT_DIR").value_or("").empty()) return true;
  struct stat st {};
  for (std::string d = dir;;) {
    if (lstat((d + "/.git").c_str(), &st) == 0) return true;
    std::size_t slash = d.find_last_of('/');
    if (slash == std::string::npos || d == "/") return false;
    d = slash == 0 ? "/" : d.substr(0, slash);
  }
}

class Lister {
 public:
  Lister(const std::string& source, const std::vector<std::string>& excluded) : excluded_(excluded), dirs_(source) {}

  Status list(const std::string& rel_dir, int nesting) {
    if (auto paths = git_list(rel_dir, nesting)) {
      if (rel_dir.empty()) tree_.from_git = true;
      for (const auto& rel : *paths) XSHIP_TRY(add(rel, nesting));
      return ok_status();
    }
    return walk(rel_dir);
  }

  SourceTree take() { return std::move(tree_); }

 private:
  std::string path(const std::string& rel) const { return rel.empty() ? dirs_.path(".") : dirs_.path(rel); }

  bool skipped(const std::string& rel) const {
    for (const auto& ex : excluded_)
      if (under(rel, ex)) return true;
    for (std::size_t start = 0;;) {
      std::size_t slash = rel.find('/', start);
      if (never_copied_name(std::string_view(rel).substr(start, slash - start))) return true;
      if (slash == std::string::npos) return false;
      start = slash + 1;
    }
  }

  // The paths git lists under rel_dir, relative to the source; nullopt when git cannot
  // (no git, not a work tree) or lists nothing.
  std::optional<std::vector<std::string>> git_list(const std::string& rel_dir, int nesting) {
    if (nesting == 0 && !in_repository(path(rel_dir))) return std::nullopt;  // no git process for nothing
    std::vector<std::string> args = {"ls-files", "-z", "--cached", "--others", "--exclude-standard", "--"};
    std::string prefix = rel_dir.empty() ? "" : rel_dir + "/";
    // The excluded build directory may not be ignored: git need not walk its trees.
    for (const auto& ex : excluded_)
      if (ex.compare(0, prefix.size(), prefix) == 0) args.push_back(":(exclude,literal)" + ex.substr(prefix.size()));
    auto out = process::git_output(path(rel_dir), std::move(args));
    if (!out || out->empty()) return std::nullopt;
    std::vector<std::string> paths;
    for (std::size_t start = 0; start < out->size();) {
      std::size_t end = out->find('\0', start);
      if (end == std::string::npos) end = out->size();
      std::string rel = out->substr(start, end - start);
      start = end + 1;
      if (!rel.empty() && rel.back() == '/') rel.pop_back();  // an untracked repository
      // Unmerged files come once per stage; duplicates are harmless (a map), bad names are skipped.
      if (valid_relative(rel)) paths.push_back(prefix + rel);
    }
    return paths;
  }

  Status count() const {
    if (tree_.files.size() + tree_.dirs.size() <= kMaxPaths) return ok_status();
    return usage_error(fmt::format("'{}' holds more than {} files: exclude the directories the build does not need",
                                   dirs_.path("."), kMaxPaths));
  }

  // One path from git: a file or symlink is kept; a directory is a nested repository.
  Status add(const std::string& rel, int nesting) {
    if (skipped(rel)) return ok_status();
    auto parents = dirs_.parents_ok(rel, false);
    if (!parents || !*parents) return ok_status();  // a directory replaced by a symlink: not followed
    struct stat st {};
    if (lstat(path(rel).c_str(), &st) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) return ok_status();  // tracked but deleted
      return runtime_error(fmt::format("cannot read '{}': {}: fix its permissions", path(rel), std::strerror(errno)));
    }
    if (S_ISDIR(st.st_mode)) {
      if (nesting >= kMaxNesting)
        return usage_error(fmt::format("'{}' nests more than {} repositories: exclude it", path(rel), kMaxNesting));
      return list(rel, nesting + 1);
    }
    XSHIP_TRY(keep(rel, st));
    return count();
  }

  Status keep(const std::string& rel, const struct stat& st) {
    if (S_ISREG(st.st_mode)) {
      tree_.files[rel] = stamp_of(st);
    } else if (S_ISLNK(st.st_mode)) {
      auto text = read_link(path(rel), static_cast<std::uint64_t>(st.st_size));
      if (!text) return runtime_error(fmt::format("cannot read the symlink '{}': fix it or exclude it", path(rel)));
      tree_.files[rel] = stamp_of(st, *text);
    }
    return ok_status();  // FIFOs, sockets, devices: nothing a build reads as a source
  }

  // Without git: everything under rel_dir, depth first with a stack (no recursion limit
  // but the path length), never through a symlink.
  Status walk(const std::string& top) {
    std::vector<std::string> stack = {top};
    while (!stack.empty()) {
      std::string dir = std::move(stack.back());
      stack.pop_back();
      std::unique_ptr<DIR, int (*)(DIR*)> d(opendir(path(dir).c_str()), closedir);
      if (!d)
        return runtime_error(
            fmt::format("cannot list '{}': {}: fix its permissions or exclude it", path(dir), std::strerror(errno)));
      while (dirent* e = readdir(d.get())) {
        std::string_view name = e->d_name;
        if (name == "." || name == "..") continue;
        std::string rel = dir.empty() ? std::string(name) : dir + "/" + std::string(name);
        if (skipped(rel)) continue;
        struct stat st {};
        if (lstat(path(rel).c_str(), &st) != 0) {
          if (errno == ENOENT) continue;  // removed while we listed
          return runtime_error(
              fmt::format("cannot read '{}': {}: fix its permissions or exclude it", path(rel), std::strerror(errno)));
        }
        if (S_ISDIR(st.st_mode)) {
          tree_.dirs.push_back(rel);
          stack.push_back(std::move(rel));
        } else {
          XSHIP_TRY(keep(rel, st));
        }
        XSHIP_TRY(count());
      }
    }
    return ok_status();
  }

  const std::vector<std::string>& excluded_;
  RealDirs dirs_;
  SourceTree tree_;
};

}  // namespace

Result<SourceTree> list_source(const std::string& source, const std::vector<std::string>& excluded) {
  Lister lister(source, excluded);
  XSHIP_TRY(lister.list("", 0));
  return lister.take();
}

}  // namespace xship::cross::mirror
