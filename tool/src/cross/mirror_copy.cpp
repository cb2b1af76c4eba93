#include "cross/mirror_copy.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include "core/unique_fd.h"

namespace xship::cross::mirror {

namespace {

Error io_error(const std::string& what, const std::string& path, int err, const char* fix) {
  return runtime_error(fmt::format("cannot {} '{}': {}: {}", what, path, std::strerror(err), fix));
}

// Source and mirror filesystems (by device) where FICLONE failed as unsupported: not
// tried again in this process. Refreshes of several targets run on several threads.
std::mutex g_clone_mu;
std::set<std::pair<dev_t, dev_t>> g_no_clone;

bool clone_unsupported(int err) {
  return err == EOPNOTSUPP || err == EXDEV || err == EINVAL || err == ENOTTY || err == ENOSYS;
}

bool try_clone(int in, int out, dev_t from, dev_t to) {
  {
    std::lock_guard lock(g_clone_mu);
    if (g_no_clone.count({from, to})) return false;
  }
  if (ioctl(out, FICLONE, in) == 0) return true;
  if (clone_unsupported(errno)) {
    std::lock_guard lock(g_clone_mu);
    g_no_clone.insert({from, to});
  }
  return false;  // any other failure (ENOSPC, EIO): the copy below reports it if it persists
}

// At most `size` bytes (the size fstat saw: a file that grows meanwhile has a new mtime
// and is copied again next time), in the kernel where it can, else through a buffer.
Status copy_bytes(int in, int out, std::uint64_t size, const std::string& src) {
  std::uint64_t done = 0;
  bool in_kernel = true;
  std::vector<char> buf;
  while (done < size) {
    std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(size - done, 1u << 30));
    ssize_t n;
    if (in_kernel) {
      n = copy_file_range(in, nullptr, out, nullptr, want, 0);
      if (n < 0 && done == 0 && (errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP || errno == EINVAL)) {
        in_kernel = false;
        continue;
      }
    } else {
      if (buf.empty()) buf.resize(256 * 1024);
      n = read(in, buf.data(), std::min(want, buf.size()));
      for (ssize_t w = 0; n > 0 && w < n;) {
        ssize_t k = write(out, buf.data() + w, static_cast<std::size_t>(n - w));
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return io_error("write a copy of", src, errno, "free some disk space in the build directory");
        w += k;
      }
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("copy", src, errno, "check the file and free some disk space in the build directory");
    if (n == 0) break;  // the file shrank while we copied: its new mtime brings it back next time
    done += static_cast<std::uint64_t>(n);
  }
  return ok_status();
}

Result<Copied> copy_file(const std::string& src, const std::string& tmp) {
  // O_NONBLOCK: a FIFO swapped in since the listing must not hang the open.
  UniqueFd in(open(src.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (in.get() < 0) return io_error("read", src, errno, "fix its permissions or exclude it");
  struct stat st {};
  if (fstat(in.get(), &st) != 0) return io_error("read", src, errno, "fix its permissions or exclude it");
  if (!S_ISREG(st.st_mode)) return runtime_error(fmt::format("'{}' changed while it was copied: build again", src));
  UniqueFd out(open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (out.get() < 0) return io_error("create", tmp, errno, "check the build directory's permissions");
  struct stat out_st {};
  if (fstat(out.get(), &out_st) != 0) return io_error("create", tmp, errno, "check the build directory");
  Copied c;
  c.entry.source = stamp_of(st);
  c.reflinked = st.st_size > 0 && try_clone(in.get(), out.get(), st.st_dev, out_st.st_dev);
  if (!c.reflinked) XSHIP_TRY(copy_bytes(in.get(), out.get(), c.entry.source.size, src));
  const struct timespec times[2] = {{0, UTIME_OMIT}, st.st_mtim};
  if (fchmod(out.get(), st.st_mode & 0777) != 0 || futimens(out.get(), times) != 0 || fstat(out.get(), &out_st) != 0)
    return io_error("set the mode and mtime of", tmp, errno, "check the build directory's filesystem");
  c.entry.copy = copy_view(stamp_of(out_st));
  return c;
}

Result<Copied> copy_symlink(const std::string& src, const std::string& tmp) {
  struct stat st {};
  if (lstat(src.c_str(), &st) != 0) return io_error("read", src, errno, "fix its permissions or exclude it");
  auto text = S_ISLNK(st.st_mode) ? read_link(src, static_cast<std::uint64_t>(st.st_size)) : std::nullopt;
  if (!text) return runtime_error(fmt::format("'{}' changed while it was copied: build again", src));
  if (symlink(text->c_str(), tmp.c_str()) != 0)
    return io_error("create", tmp, errno, "check the build directory's permissions");
  const struct timespec times[2] = {{0, UTIME_OMIT}, st.st_mtim};
  struct stat out_st {};
  if (utimensat(AT_FDCWD, tmp.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0 || lstat(tmp.c_str(), &out_st) != 0)
    return io_error("set the mtime of", tmp, errno, "check the build directory's filesystem");
  Copied c;
  c.entry.source = stamp_of(st, *text);
  c.entry.copy = copy_view(stamp_of(out_st, *text));
  return c;
}

}  // namespace

std::optional<std::string> read_link(const std::string& path, std::uint64_t size) {
  // Linux caps a symlink's text at PATH_MAX; st_size is 0 on some filesystems.
  std::string text(std::max<std::uint64_t>(std::min<std::uint64_t>(size, 4096), 255) + 1, '\0');
  ssize_t n = readlink(path.c_str(), text.data(), text.size());
  if (n < 0 || static_cast<std::size_t>(n) == text.size()) return std::nullopt;
  text.resize(static_cast<std::size_t>(n));
  return text;
}

Result<bool> RealDirs::parents_ok(const std::string& rel, bool create) {
  for (std::size_t slash = rel.find('/'); slash != std::string::npos; slash = rel.find('/', slash + 1)) {
    std::string dir = rel.substr(0, slash);
    if (known_.count(dir)) continue;
    std::string p = path(dir);
    struct stat st {};
    if (lstat(p.c_str(), &st) != 0) {
      if (!create) return false;
      if (errno != ENOENT) return io_error("look at", p, errno, "check the build directory's permissions");
      if (mkdir(p.c_str(), 0755) != 0 && errno != EEXIST)
        return io_error("create", p, errno, "check the build directory's permissions");
      if (lstat(p.c_str(), &st) != 0) return io_error("create", p, errno, "check the build directory's permissions");
    }
    if (!S_ISDIR(st.st_mode)) {
      if (!create) return false;
      return runtime_error(
          fmt::format("'{}' is a {} where the source has a directory: remove it (or all of '{}') and build again", p,
                      S_ISLNK(st.st_mode) ? "symlink" : "file", root_));
    }
    known_.insert(std::move(dir));
  }
  return true;
}

void RealDirs::remove_empty_parents(const std::string& rel) {
  for (std::size_t slash = rel.rfind('/'); slash != std::string::npos && slash > 0; slash = rel.rfind('/', slash - 1)) {
    std::string dir = rel.substr(0, slash);
    if (rmdir(path(dir).c_str()) != 0) return;  // not empty (the build's files) or not ours to judge
    known_.erase(dir);
  }
}

std::optional<PathStamp> lstat_stamp(const std::string& path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) return std::nullopt;
  if (!S_ISLNK(st.st_mode)) return stamp_of(st);
  auto text = read_link(path, static_cast<std::uint64_t>(st.st_size));
  if (!text) return std::nullopt;
  return stamp_of(st, *text);
}

Result<Copied> copy_to_temp(const std::string& src, Kind kind, const std::string& tmp) {
  return kind == Kind::Symlink ? copy_symlink(src, tmp) : copy_file(src, tmp);
}

}  // namespace xship::cross::mirror
