#include "compress/output.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace fs = std::filesystem;

namespace xship::compress {

Result<std::unique_ptr<InputFile>> open_input(const std::string& path) {
  auto in = std::make_unique<InputFile>();
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever.
  in->fd.reset(open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!in->fd) {
    int err = errno;
    if (err == ENOENT) return usage_error(fmt::format("'{}' does not exist: check the path", path));
    return usage_error(fmt::format("cannot read '{}': {}: check its permissions", path, std::strerror(err)));
  }
  if (fstat(in->fd.get(), &in->st) != 0)
    return runtime_error(fmt::format("cannot stat '{}': {}", path, std::strerror(errno)));
  if (S_ISDIR(in->st.st_mode))
    return usage_error(fmt::format("'{}' is a directory: compress the files in it, or bundle it with --archive", path));
  if (!S_ISREG(in->st.st_mode)) return usage_error(fmt::format("'{}' is not a regular file: give a file", path));
  fcntl(in->fd.get(), F_SETFL, fcntl(in->fd.get(), F_GETFL) & ~O_NONBLOCK);
  posix_fadvise(in->fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  return in;
}

Result<std::unique_ptr<AtomicOutput>> AtomicOutput::create(const std::string& final_path, bool replace, mode_t mode) {
  std::unique_ptr<AtomicOutput> o(new AtomicOutput());
  o->final_ = final_path;
  o->replace_ = replace;
  struct stat st {};
  if (!replace && lstat(final_path.c_str(), &st) == 0)
    return usage_error(fmt::format("'{}' already exists: pass --force to replace it", final_path));
  if (replace && lstat(final_path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    return usage_error(fmt::format("'{}' is a directory: remove it or choose another output", final_path));
  fs::path p(final_path);
  std::string dir = p.parent_path().empty() ? "." : p.parent_path().string();
  // Hidden, beside the target: the same filesystem, and a crash leaves only a dot-file.
  std::string tmpl = (fs::path(dir) / ("." + p.filename().string() + ".xship-XXXXXX")).string();
  o->fd_ = UniqueFd(mkostemp(tmpl.data(), O_CLOEXEC));
  if (!o->fd_)
    return runtime_error(fmt::format("cannot create a file in '{}': {}: check that the directory is writable", dir,
                                     std::strerror(errno)));
  o->temp_ = tmpl;
  fchmod(o->fd_.get(), mode & 0777);  // not set-id bits: the output is data, not the program
  return o;
}

AtomicOutput::~AtomicOutput() {
  if (!committed_ && !temp_.empty()) unlink(temp_.c_str());
}

Error AtomicOutput::write_error(int err) const {
  if (err == ENOSPC || err == EDQUOT)
    return runtime_error(fmt::format("no space left writing '{}': free space on that disk and run again", final_));
  if (err == EFBIG)
    return runtime_error(
        fmt::format("'{}' would exceed the file size limit (ulimit -f): raise it and run again", final_));
  return runtime_error(fmt::format("cannot write '{}': {}", final_, std::strerror(err)));
}

Status AtomicOutput::write(const std::uint8_t* data, std::size_t n) {
  md5_.update(data, n);
  sha256_.update(data, n);
  bytes_ += n;
  while (n > 0) {
    ssize_t w = ::write(fd_.get(), data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return write_error(w < 0 ? errno : ENOSPC);
    data += w;
    n -= static_cast<std::size_t>(w);
  }
  // Start writeback as we go (without waiting for it), so the final fsync finds little
  // left to write instead of the whole file.
  constexpr std::uint64_t kFlushEvery = 8 << 20;
  if (bytes_ - flushed_ >= kFlushEvery) {
    sync_file_range(fd_.get(), static_cast<off_t>(flushed_), static_cast<off_t>(bytes_ - flushed_),
                    SYNC_FILE_RANGE_WRITE);
    flushed_ = bytes_;
  }
  return ok_status();
}

Status AtomicOutput::set_times(const struct timespec& atime, const struct timespec& mtime) {
  const struct timespec times[2] = {atime, mtime};
  if (futimens(fd_.get(), times) != 0)
    return runtime_error(fmt::format("cannot set the times of '{}': {}", temp_, std::strerror(errno)));
  return ok_status();
}

Status AtomicOutput::sync() {
  if (synced_) return ok_status();
  // Delayed allocation can report a full disk only here.
  if (fsync(fd_.get()) != 0) return write_error(errno);
  synced_ = true;
  return ok_status();
}

Status AtomicOutput::commit(Durability d) {
  if (d != Durability::None) XSHIP_TRY(sync());
  struct stat st {};
  if (fstat(fd_.get(), &st) != 0)
    return runtime_error(fmt::format("cannot stat '{}': {}", temp_, std::strerror(errno)));
  if (!replace_) {
    // RENAME_NOREPLACE: a file that appeared since create() is never clobbered.
    if (renameat2(AT_FDCWD, temp_.c_str(), AT_FDCWD, final_.c_str(), RENAME_NOREPLACE) != 0) {
      int err = errno;
      if (err == EEXIST) return usage_error(fmt::format("'{}' already exists: pass --force to replace it", final_));
      if (err != EINVAL && err != ENOSYS)
        return runtime_error(fmt::format("cannot rename into '{}': {}", final_, std::strerror(err)));
      // A filesystem without RENAME_NOREPLACE: link() refuses an existing name too.
      if (link(temp_.c_str(), final_.c_str()) != 0) {
        err = errno;
        if (err == EEXIST) return usage_error(fmt::format("'{}' already exists: pass --force to replace it", final_));
        return runtime_error(fmt::format("cannot create '{}': {}", final_, std::strerror(err)));
      }
      unlink(temp_.c_str());
    }
  } else if (rename(temp_.c_str(), final_.c_str()) != 0) {
    return runtime_error(fmt::format("cannot rename into '{}': {}", final_, std::strerror(errno)));
  }
  committed_ = true;
  if (d == Durability::Name) {
    fs::path parent = fs::path(final_).parent_path();
    UniqueFd dir(open(parent.empty() ? "." : parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir) fsync(dir.get());
  }
  digests_.md5 = md5_.finish();
  digests_.sha256 = sha256_.finish();
  digests_.bytes = bytes_;
  stamp_ = stamp_of(st);  // rename keeps size, mtime and inode
  return ok_status();
}

}  // namespace xship::compress
