// An output file that appears whole or not at all: bytes go to a temporary file beside
// the destination (same filesystem, so the rename is atomic), hashed (MD5 + SHA-256) as
// they are written, fsynced, then renamed over the final name. Destroyed without
// commit() — an error, a full disk, SIGINT — it removes the temporary file.
#pragma once
#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

#include "core/file_stamp.h"
#include "core/result.h"
#include "core/unique_fd.h"
#include "digest/digest.h"

namespace xship::compress {

class AtomicOutput {
 public:
  // `replace`: an existing file at `final_path` may be replaced (--force); otherwise its
  // presence is an error, checked now and again, race-free, at commit. `mode` is applied
  // to the file (the input's permissions, as gzip keeps them).
  static Result<std::unique_ptr<AtomicOutput>> create(const std::string& final_path, bool replace, mode_t mode);
  ~AtomicOutput();
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;

  Status write(const std::uint8_t* data, std::size_t n);
  // Flushes to disk (delayed allocation may report a full disk only here). After it the
  // temporary file can be read back, for --verify before the final name is taken.
  Status sync();
  const std::string& temp_path() const { return temp_; }

  // Gives the file these access and modification times (gzip keeps its input's). Call
  // after the last write.
  Status set_times(const struct timespec& atime, const struct timespec& mtime);

  enum class Durability {
    None,  // a cache: losing it in a crash costs a re-hash, never a wrong answer
    Contents,  // fsync the file before the rename: after a crash, whole or absent
    Name,  // ... and fsync the directory after it: the new name survives a crash too
  };
  Status commit(Durability d);

  const std::string& path() const { return final_; }
  std::uint64_t bytes() const { return bytes_; }
  // Valid after commit(): the digests of exactly the bytes written, and the file's stamp.
  const digest::FileDigests& digests() const { return digests_; }
  const FileStamp& stamp() const { return stamp_; }

 private:
  AtomicOutput() = default;
  Error write_error(int err) const;

  std::string final_, temp_;
  bool replace_ = false;
  UniqueFd fd_;
  bool synced_ = false, committed_ = false;
  std::uint64_t bytes_ = 0, flushed_ = 0;
  digest::Md5Stream md5_;
  digest::Sha256Stream sha256_;
  digest::FileDigests digests_;
  FileStamp stamp_;
};

// An input opened for reading, with its metadata at open time.
struct InputFile {
  UniqueFd fd;
  struct stat st {};
};
// Usage errors, naming the path, for anything that cannot be read as a regular file:
// missing, unreadable, a directory, a device.
Result<std::unique_ptr<InputFile>> open_input(const std::string& path);

}  // namespace xship::compress
