#include "fetch/rebuild.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "core/unique_fd.h"
#include "core/terminal.h"
#include "cross/artifact.h"
#include "digest/digest.h"
#include "process/process.h"

namespace fs = std::filesystem;

namespace xship::fetch {

namespace {

// A detached git worktree of one commit, removed (with the repository's record of it) when
// this goes out of scope.
class Checkout {
 public:
  static Result<Checkout> of(const std::string& repo, const std::string& commit) {
    if (!process::git_output(repo, {"cat-file", "-e", commit + "^{commit}"}))
      return usage_error(
          fmt::format("commit {} is not in the repository at '{}': fetch it (git fetch origin {}) or "
                      "pass --repo-dir",
                      commit, printable(repo), commit));
    std::string dir = (fs::temp_directory_path() / "xship-rebuild-XXXXXX").string();
    if (!mkdtemp(dir.data()))
      return runtime_error(fmt::format("cannot create a temporary directory: {}", std::strerror(errno)));
    Checkout c(repo, dir);
    if (!process::git_output(repo, {"worktree", "add", "--detach", "--force", dir, commit}))
      return runtime_error(fmt::format("git could not check out {} into '{}': check the repository", commit, dir));
    return c;
  }
  Checkout(Checkout&& o) noexcept : repo_(std::move(o.repo_)), dir_(std::exchange(o.dir_, "")) {}
  ~Checkout() {
    if (dir_.empty()) return;
    (void)process::git_output(repo_, {"worktree", "remove", "--force", dir_});
    std::error_code ec;
    fs::remove_all(dir_, ec);
    (void)process::git_output(repo_, {"worktree", "prune"});
  }
  const std::string& dir() const { return dir_; }

 private:
  Checkout(std::string repo, std::string dir) : repo_(std::move(repo)), dir_(std::move(dir)) {}
  std::string repo_, dir_;
};

std::optional<std::string> sha256_of_file(const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return std::nullopt;
  struct stat st {};
  digest::FileDigests d;
  bool ok = fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode) &&
            digest::digest_file_range(fd.get(), 0, static_cast<std::uint64_t>(st.st_size), d);
  return ok ? std::optional<std::string>(digest::hex(d.sha256)) : std::nullopt;
}

}  // namespace

Result<RebuildResult> rebuild_and_compare(const release::RecordedBuild& b, const RebuildRequest& req) {
  if (req.command.empty()) return usage_error("--rebuild needs the build command: --rebuild 'make -f ci.mk build'");
  auto checkout = Checkout::of(req.repo_dir, b.commit);
  if (!checkout) return checkout.error();
  process::Command cmd;
  cmd.argv = process::command_line_argv(req.command);
  cmd.cwd = checkout->dir();
  cmd.log_path = req.log_path;
  if (!b.source_date_epoch.empty()) cmd.env["SOURCE_DATE_EPOCH"] = b.source_date_epoch;
  auto run = process::run(cmd);
  if (!run) return run.error();
  if (!run->success())
    return runtime_error(
        fmt::format("the rebuild of {} failed ({}): see {}", b.commit.substr(0, 12), run->describe(), req.log_path));
  RebuildResult out;
  const fs::path dist = fs::path(checkout->dir()) / req.dist;
  for (const auto& [name, published] : b.subjects) {
    if (!cross::is_safe_relative_path(name))
      return integrity_error(
          fmt::format("the provenance names '{}', not a plain relative path: it is damaged", printable(name)));
    auto rebuilt = sha256_of_file((dist / name).string());
    if (!rebuilt) {
      out.not_rebuilt.push_back(name);
    } else if (*rebuilt != published) {
      return integrity_error(
          fmt::format("{} rebuilt from commit {} differs from the published one (SHA-256 {}, "
                      "published {}): the release was not built as its provenance says",
                      printable(name), b.commit.substr(0, 12), *rebuilt, printable(published)));
    } else {
      out.matched.push_back(name);
    }
  }
  if (out.matched.empty())
    return integrity_error(
        fmt::format("the rebuild made none of the published files under {}: check --dist and the "
                    "build command",
                    req.dist));
  return out;
}

}  // namespace xship::fetch
