#include "cross/source_mirror.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>

#include "core/unique_fd.h"
#include "cross/mirror_copy.h"
#include "cross/mirror_list.h"
#include "cross/mirror_state.h"

namespace fs = std::filesystem;

namespace xship::cross {

struct MirrorListing {
  std::string source;  // canonical
  std::vector<std::string> excluded;  // relative to source
  mirror::SourceTree tree;
  double seconds = 0;
};

namespace {

using namespace mirror;

struct Plan {
  std::string source, dest;  // canonical
  std::vector<std::string> excluded;  // relative to source
  StateFiles files;
};

bool inside(const std::string& path, const std::string& dir) {
  std::string prefix = dir == "/" ? dir : dir + "/";
  return path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0;
}

std::string relative_to(const std::string& path, const std::string& dir) {
  return path.substr(dir == "/" ? 1 : dir.size() + 1);
}

Status check_absolute(const std::string& path, const char* what) {
  if (!path.empty() && path.front() == '/') return ok_status();
  return usage_error(fmt::format("the mirror's {} '{}' is not an absolute path: pass an absolute path", what, path));
}

Result<std::string> canonical(const std::string& path, const char* what) {
  XSHIP_TRY(check_absolute(path, what));
  std::error_code ec;
  fs::path p = fs::weakly_canonical(path, ec);
  if (ec) return runtime_error(fmt::format("cannot resolve '{}': {}: check the path", path, ec.message()));
  return p.string();
}

// The source (canonical, a directory) and the excluded paths inside it, relative to it.
Result<Plan> validate_source(const std::string& source, const std::vector<std::string>& exclude) {
  Plan plan;
  auto canon = canonical(source, "source");
  XSHIP_TRY(canon);
  plan.source = *canon;
  if (!fs::is_directory(plan.source))
    return usage_error(fmt::format("the source directory '{}' does not exist: pass the project's directory", source));
  for (const auto& ex : exclude) {
    auto c = canonical(ex, "excluded path");
    XSHIP_TRY(c);
    if (*c == plan.source)
      return usage_error(fmt::format("the excluded path '{}' is the whole source: exclude a directory inside it", ex));
    if (inside(*c, plan.source)) plan.excluded.push_back(relative_to(*c, plan.source));
  }
  return plan;
}

Result<Plan> validate(const MirrorRequest& req) {
  auto valid = validate_source(req.source, req.exclude);
  XSHIP_TRY(valid);
  Plan plan = std::move(*valid);
  // The mirror's parent resolved, the mirror itself not: a symlink the build (or anyone)
  // put there would send every copy outside the build directory.
  XSHIP_TRY(check_absolute(req.dest, "destination"));
  fs::path named = fs::path(req.dest).lexically_normal();
  if (named.has_parent_path() && named.filename().empty()) named = named.parent_path();
  auto parent = canonical(named.parent_path().string(), "destination");
  XSHIP_TRY(parent);
  plan.dest = (fs::path(*parent) / named.filename()).string();
  struct stat st {};
  if (lstat(plan.dest.c_str(), &st) == 0 && !S_ISDIR(st.st_mode))
    return runtime_error(fmt::format("the mirror '{}' is {}, not a directory: remove it", plan.dest,
                                     S_ISLNK(st.st_mode) ? "a symlink" : "a file"));
  if (plan.dest == plan.source || inside(plan.source, plan.dest))
    return usage_error(
        fmt::format("the mirror '{}' would hold its own source '{}': choose a build directory outside the sources",
                    plan.dest, plan.source));
  // The mirror and its state (in its parent) may sit in the source only under an excluded
  // directory: never copied into themselves, never written among the user's files.
  if (*parent == plan.source || inside(*parent, plan.source)) {
    std::string rel = *parent == plan.source ? "" : relative_to(*parent, plan.source);
    bool excluded = false;
    for (const auto& ex : plan.excluded) excluded = excluded || (!rel.empty() && (rel == ex || inside(rel, ex)));
    if (!excluded)
      return usage_error(
          fmt::format("the mirror '{}' is inside the source '{}' but not under an excluded directory: put the build "
                      "directory outside the sources or exclude it",
                      plan.dest, plan.source));
  }
  plan.files = state_files(plan.dest);
  return plan;
}

Result<std::shared_ptr<const MirrorListing>> list_plan(const Plan& plan) {
  auto start = std::chrono::steady_clock::now();
  auto tree = list_source(plan.source, plan.excluded);
  XSHIP_TRY(tree);
  auto listing = std::make_shared<MirrorListing>(MirrorListing{plan.source, plan.excluded, std::move(*tree), 0});
  listing->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return std::shared_ptr<const MirrorListing>(std::move(listing));
}

// Holds an exclusive flock on the mirror's lock file for its lifetime.
class MirrorLock {
 public:
  static Result<std::unique_ptr<MirrorLock>> take(const std::string& path, const std::string& dest) {
    UniqueFd fd(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (!fd)
      return runtime_error(
          fmt::format("cannot open '{}': {}: check the build directory's permissions", path, std::strerror(errno)));
    if (flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      if (err == EWOULDBLOCK)
        return runtime_error(fmt::format("another xship is refreshing '{}' now: wait for it to finish", dest));
      return runtime_error(fmt::format("cannot lock '{}': {}: check the build directory", path, std::strerror(err)));
    }
    return std::unique_ptr<MirrorLock>(new MirrorLock(std::move(fd)));
  }

 private:
  explicit MirrorLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;  // the lock goes with it
};

class Refresh {
 public:
  Refresh(const MirrorRequest& req, Plan plan)
      : req_(req), plan_(std::move(plan)), src_(plan_.source), dst_(plan_.dest), journal_(plan_.files.journal) {}

  Result<MirrorReport> run() {
    auto tree = listing();
    XSHIP_TRY(tree);
    report_.from_git = (*tree)->tree.from_git;
    report_.list_seconds = req_.listing == *tree ? 0 : (*tree)->seconds;
    entries_ =
        load_entries(plan_.files, plan_.source, plan_.dest, [&](const std::string& rel) { return copy_now(rel); });
    XSHIP_TRY(remove_stale((*tree)->tree));
    for (const auto& dir : (*tree)->tree.dirs) XSHIP_TRY(dst_.parents_ok(dir + "/", true));
    for (const auto& [rel, stamp] : (*tree)->tree.files) XSHIP_TRY(refresh(rel, stamp));
    XSHIP_TRY(save_entries(plan_.files, plan_.source, plan_.dest, entries_));
    return report_;
  }

 private:
  Result<std::shared_ptr<const MirrorListing>> listing() const {
    if (req_.listing && req_.listing->source == plan_.source && req_.listing->excluded == plan_.excluded)
      return req_.listing;
    return list_plan(plan_);
  }

  // The mirror's file at rel as it is now, by the stamp a copy is compared with.
  std::optional<PathStamp> copy_now(const std::string& rel) {
    auto parents = dst_.parents_ok(rel, false);
    if (!parents || !*parents) return std::nullopt;
    auto now = lstat_stamp(dst_.path(rel));
    if (now) *now = copy_view(std::move(*now));
    return now;
  }

  // Copies of sources that are gone (or now excluded or ignored), still as written.
  Status remove_stale(const SourceTree& tree) {
    for (auto it = entries_.begin(); it != entries_.end();) {
      const std::string& rel = it->first;
      if (tree.files.count(rel)) {
        ++it;
        continue;
      }
      if (copy_now(rel) == it->second.copy) {
        if (unlink(dst_.path(rel).c_str()) != 0 && errno != ENOENT)
          return runtime_error(fmt::format("cannot remove '{}': {}: check the build directory's permissions",
                                           dst_.path(rel), std::strerror(errno)));
        ++report_.removed;
        dst_.remove_empty_parents(rel);
      }
      it = entries_.erase(it);
    }
    return ok_status();
  }

  Status refresh(const std::string& rel, const PathStamp& source) {
    XSHIP_TRY(dst_.parents_ok(rel, true));
    auto now = copy_now(rel);
    auto it = entries_.find(rel);
    if (it != entries_.end() && it->second.source == source && now) {
      ++report_.unchanged;  // as written, or changed by the build: either way left as it is
      return ok_status();
    }
    if (it == entries_.end() && now && same_content_stamp(*now, source)) {
      entries_[rel] = Entry{source, *now};  // a copy from a run whose state was lost
      ++report_.unchanged;
      return ok_status();
    }
    return copy(rel, source);
  }

  // A file at rel that is what a copy of source would be: same kind, size, mtime, mode
  // (or symlink text). Never the source itself through a hard link.
  static bool same_content_stamp(const PathStamp& now, const PathStamp& source) {
    return now.kind == source.kind && now.size == source.size && now.mtime_ns == source.mtime_ns &&
           now.mode == source.mode && now.link == source.link && now.ino != source.ino;
  }

  Status copy(const std::string& rel, const PathStamp& source) {
    if (req_.before_copy) XSHIP_TRY(req_.before_copy(rel));
    std::string tmp = fmt::format("{}/{}", plan_.files.tmp, ++temp_count_);
    auto c = copy_to_temp(src_.path(rel), source.kind, tmp);
    XSHIP_TRY(c);
    // Journal first, then rename: a kill between the two leaves a journal line whose copy is
    // not in place, which the next load ignores (mirror_state.h).
    XSHIP_TRY(journal_.append(rel, c->entry));
    if (rename(tmp.c_str(), dst_.path(rel).c_str()) != 0) {
      int err = errno;
      unlink(tmp.c_str());
      if (err == EISDIR || err == ENOTEMPTY || err == EEXIST)
        return runtime_error(
            fmt::format("'{}' is a directory where the source has a file: remove it and build again", dst_.path(rel)));
      return runtime_error(fmt::format("cannot write '{}': {}: keep the build directory on one filesystem, writable",
                                       dst_.path(rel), std::strerror(err)));
    }
    ++report_.copied;
    report_.bytes += source.kind == Kind::File ? c->entry.source.size : 0;
    report_.reflinked = report_.reflinked || c->reflinked;
    entries_[rel] = std::move(c->entry);
    return ok_status();
  }

  const MirrorRequest& req_;
  Plan plan_;
  RealDirs src_, dst_;
  Journal journal_;
  Entries entries_;
  MirrorReport report_;
  std::uint64_t temp_count_ = 0;
};

// The directories a refresh writes in: the mirror, and its temporary directory (emptied:
// what is there is from a refresh that was killed).
Status prepare(const Plan& plan) {
  std::error_code ec;
  fs::create_directories(plan.dest, ec);
  if (ec || !fs::is_directory(plan.dest))
    return runtime_error(fmt::format("cannot create the mirror '{}': {}: check the build directory", plan.dest,
                                     ec ? ec.message() : "not a directory"));
  fs::remove_all(plan.files.tmp, ec);
  if (!ec) fs::create_directory(plan.files.tmp, ec);
  if (ec)
    return runtime_error(
        fmt::format("cannot create '{}': {}: check the build directory's permissions", plan.files.tmp, ec.message()));
  return ok_status();
}

Result<MirrorReport> refresh(const MirrorRequest& req) {
  auto start = std::chrono::steady_clock::now();
  auto plan = validate(req);
  XSHIP_TRY(plan);
  std::error_code ec;
  fs::create_directories(plan->files.dir, ec);
  auto lock = MirrorLock::take(plan->files.lock, plan->dest);
  XSHIP_TRY(lock);
  XSHIP_TRY(prepare(*plan));
  std::string tmp = plan->files.tmp;
  auto report = Refresh(req, std::move(*plan)).run();
  XSHIP_TRY(report);
  fs::remove(tmp, ec);  // empty now; a leftover is cleared by the next refresh
  report->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

// The paths in a message come from the user's tree and may hold any byte but NUL: control
// characters are shown as \xNN, so the message stays one line and the terminal untouched.
Error one_line(Error e) {
  std::string out;
  for (char c : e.message) {
    auto u = static_cast<unsigned char>(c);
    out += u < 0x20 || u == 0x7f ? fmt::format("\\x{:02x}", u) : std::string(1, c);
  }
  e.message = std::move(out);
  return e;
}

}  // namespace

Result<std::shared_ptr<const MirrorListing>> list_for_mirrors(const std::string& source,
                                                              const std::vector<std::string>& exclude) {
  auto plan = validate_source(source, exclude);
  if (!plan) return one_line(plan.error());
  auto listing = list_plan(*plan);
  if (!listing) return one_line(listing.error());
  return listing;
}

Result<MirrorReport> refresh_mirror(const MirrorRequest& req) {
  auto r = refresh(req);
  if (!r) return one_line(r.error());
  return r;
}

std::string mirror_state_path(const std::string& dest) { return state_files(dest).state; }

}  // namespace xship::cross
