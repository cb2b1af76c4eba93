#include "fetch/fetch.h"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <utility>
#include <vector>

#include "core/read_exact.h"
#include "core/thread_pool.h"
#include "core/unique_fd.h"
#include "fetch/in_order_digest.h"
#include "s3/limits.h"
#include "s3/location.h"
#include "s3/verified_get.h"

namespace xship::fetch {

namespace {

// The temporary file is removed unless commit() renamed it into place.
class TempFile {
 public:
  static Result<TempFile> create(const std::string& dest) {
    // Seeded once per thread: a random_device per file was 1.4% of a 1,000-file fetch.
    thread_local std::mt19937 rng{std::random_device{}()};
    TempFile t;
    t.path_ = fmt::format("{}.xship-tmp-{}-{:08x}", dest, getpid(), rng());
    t.fd_ = UniqueFd(open(t.path_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!t.fd_)
      return runtime_error(
          fmt::format("cannot write next to '{}': {}: check the directory", dest, std::strerror(errno)));
    return t;
  }
  TempFile() = default;
  TempFile(TempFile&& o) noexcept : path_(std::exchange(o.path_, {})), fd_(std::move(o.fd_)) {}
  ~TempFile() {
    if (!path_.empty()) unlink(path_.c_str());
  }
  int fd() const { return fd_.get(); }
  Status commit(const std::string& dest) {
    // close() is checked too: on some filesystems a write error shows only there.
    int err = fsync(fd_.get()) != 0 ? errno : 0;
    if (close(fd_.release()) != 0 && err == 0) err = errno;
    if (err != 0) return runtime_error(fmt::format("cannot flush '{}': {}", path_, std::strerror(err)));
    if (rename(path_.c_str(), dest.c_str()) != 0)
      return runtime_error(fmt::format("cannot rename into '{}': {}", dest, std::strerror(errno)));
    path_.clear();
    return ok_status();
  }

 private:
  std::string path_;
  UniqueFd fd_;
};

bool write_all(int fd, const char* data, std::size_t n, std::uint64_t offset) {
  while (n > 0) {
    ssize_t w = pwrite(fd, data, n, static_cast<off_t>(offset));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    data += w;
    n -= static_cast<std::size_t>(w);
    offset += static_cast<std::uint64_t>(w);
  }
  return true;
}

// Before any byte is fetched: the size the store announced fits on the destination's disk.
Status check_room(const std::string& dest, std::uint64_t size) {
  std::string dir = std::filesystem::path(dest).parent_path().string();
  struct statvfs vfs {};
  if (statvfs(dir.empty() ? "." : dir.c_str(), &vfs) != 0) return ok_status();  // TempFile::create reports it
  std::uint64_t room = static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  if (size > room)
    return runtime_error(fmt::format(
        "'{}' would need {} bytes but only {} are free there: free space or fetch elsewhere", dest, size, room));
  return ok_status();
}

// Hashes bytes [from, to) of the file, already written, as the caller's turn: read back
// from the page cache through `buf`, small enough to stay in the CPU's cache.
bool hash_written(int fd, std::uint64_t from, std::uint64_t to, InOrderDigest& sums, std::vector<char>& buf) {
  while (from < to) {
    auto n = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), to - from));
    if (!read_exact(fd, from, std::span(buf.data(), n))) return false;
    sums.update(buf.data(), n);
    from += n;
  }
  return true;
}

// A download's bytes on their way to the file: curl hands them over 16 KiB at a time
// (CURL_MAX_WRITE_SIZE), so they are gathered and written 256 KiB at a time. One pwrite
// per 16 KiB was 32,768 calls for 512 MiB; gathered, the fetch took 690-730 ms of
// task-clock against 775-890 ms (6 runs each, alternating). 1 MiB gained nothing more.
class RangeWriter {
 public:
  RangeWriter(int fd, std::uint64_t offset, std::vector<char>& buf) : fd_(fd), start_(offset), at_(offset), buf_(buf) {}
  bool add(const char* d, std::size_t n) {
    if (used_ + n > buf_.size() && !flush()) return false;
    if (n >= buf_.size()) return write_direct(d, n);
    std::memcpy(buf_.data() + used_, d, n);
    used_ += n;
    return true;
  }
  bool flush() {
    if (used_ == 0) return true;
    std::size_t n = std::exchange(used_, 0);
    return write_direct(buf_.data(), n);
  }
  // Back to the first offset, what was gathered dropped: the bytes come again.
  void rewind() { at_ = start_, used_ = 0; }

 private:
  bool write_direct(const char* d, std::size_t n) {
    if (!write_all(fd_, d, n, at_)) return false;
    at_ += n;
    return true;
  }
  int fd_;
  std::uint64_t start_, at_;  // the first offset, and the one the next byte goes to
  std::vector<char>& buf_;
  std::size_t used_ = 0;
};

// Per worker: the buffer a range is gathered in, and the one its read-back goes through.
struct RangeBuffers {
  std::vector<char> gather = std::vector<char>(256 * 1024), read_back = std::vector<char>(256 * 1024);
};

// One range of a ranged download, [start, last] and number `index`. Its bytes are written
// as they arrive, and hashed as they arrive once its turn has come; those written before
// that are hashed from the file (see in_order_digest.h). A retry resumes where the bytes
// stopped (s3::Client::get), so the sink sees each byte once. False when it was not fed
// (an earlier range failed).
struct Range {
  std::uint64_t start, last, index;
};
Result<bool> fetch_range(s3::Client& client, const s3::ObjectRef& obj, Range r, int fd, InOrderDigest& sums,
                         RangeBuffers& bufs, std::atomic<int>& retries) {
  std::uint64_t len = r.last - r.start + 1;
  std::uint64_t hashed = 0, received = 0;  // offsets in the range
  bool turn = false;
  int io_errno = 0;
  RangeWriter out(fd, r.start, bufs.gather);
  auto sink = [&](const char* d, std::size_t n) {
    std::uint64_t pos = received;
    received += n;
    if (!turn && (turn = sums.has_turn(r.index)) && hashed < pos) {
      if (!out.flush() || !hash_written(fd, r.start + hashed, r.start + pos, sums, bufs.read_back))
        return io_errno = errno, false;
    }
    if (turn) sums.update(d, n), hashed = received;  // while the bytes are hot in the cache
    if (!out.add(d, n)) return io_errno = errno, false;
    return true;
  };
  s3::CallStats st;
  auto got = client.get(obj, std::make_pair(r.start, r.last), len, sink, {}, &st);
  retries += st.retries;
  if (io_errno == 0 && !out.flush()) io_errno = errno;
  if (io_errno != 0)
    return runtime_error(
        fmt::format("cannot write s3://{}/{} to disk: {}", obj.bucket, obj.key, std::strerror(io_errno)));
  if (!got) return got.error();
  if (received != len)
    return integrity_error(fmt::format("s3://{}/{}: bytes {}-{} came back short ({} bytes)", obj.bucket, obj.key,
                                       r.start, r.last, received));
  // Starts this range's writeback now, so the fsync before the rename has little left to
  // wait for (it was most of the wall time left after the download). Advisory: errors
  // show at fsync.
  sync_file_range(fd, static_cast<off_t>(r.start), static_cast<off_t>(len), SYNC_FILE_RANGE_WRITE);
  if (!turn && !sums.wait_turn(r.index)) return false;
  if (!hash_written(fd, r.start + hashed, r.start + len, sums, bufs.read_back))
    return runtime_error(fmt::format("cannot read back s3://{}/{} from the temporary file: {}", obj.bucket, obj.key,
                                     std::strerror(errno)));
  sums.pass_turn();
  return true;
}

// Downloads with parallel ranged GETs, each writing its own slice of the file and feeding
// it to `sums` in file order (see in_order_digest.h). Workers take
// the next range from a counter rather than from a queue filled up front, so memory does
// not grow with the object's size, and each checks for a failure or SIGINT first.
Status ranged_download(s3::Client& client, const std::string& bucket, const std::string& key, std::uint64_t size,
                       int fd, const FetchOptions& opts, InOrderDigest& sums, int& retries) {
  std::mutex mu;
  std::optional<Error> first_error;
  std::atomic<int> total_retries{0};
  std::atomic<std::uint64_t> next{0};
  const std::atomic<bool>* cancel = client.config().cancel;
  auto stop = [&] {
    std::lock_guard lock(mu);
    return first_error.has_value() || (cancel && cancel->load());
  };
  auto one_range = [&](std::uint64_t start, RangeBuffers& buf) {
    Range r{start, std::min(size, start + opts.range_size) - 1, start / opts.range_size};
    auto fed = fetch_range(client, {bucket, key}, r, fd, sums, buf, total_retries);
    if (fed && *fed) return;
    sums.cancel();  // the ranges after this one must not wait for it
    std::lock_guard lock(mu);
    if (!fed && !first_error) first_error = fed.error();
  };
  {
    ThreadPool pool(opts.concurrency);
    for (int w = 0; w < std::max(1, opts.concurrency); ++w)
      pool.post([&] {
        RangeBuffers buf;
        for (std::uint64_t start; !stop() && (start = next.fetch_add(opts.range_size)) < size;) one_range(start, buf);
      });
    pool.wait();
  }
  retries += total_retries;
  if (first_error) return *first_error;
  if (cancel && cancel->load())
    return Error{ErrorCategory::Interrupted, fmt::format("GET s3://{}/{}: interrupted", bucket, key)};
  if (sums.ranges_fed() != (size + opts.range_size - 1) / opts.range_size)
    return runtime_error(fmt::format("s3://{}/{}: not every range was hashed", bucket, key));
  return ok_status();
}

// What is known of the object before its bytes. With the manifest's size and SHA-256 a
// HEAD adds nothing (the GETs are bounded by that size and the bytes checked against that
// SHA-256), so it is skipped: one round trip fewer per file of a release.
Result<s3::ObjectInfo> object_info(s3::Client& client, const std::string& bucket, const std::string& key,
                                   const Expected& expected, int& retries) {
  if (expected.size_known && expected.size <= s3::kMaxObjectSize && expected.sha256.size() == 64) {
    s3::ObjectInfo known;
    known.exists = true;
    known.size = expected.size;
    return known;
  }
  s3::CallStats st;
  auto head = client.head({bucket, key}, &st);
  retries += st.retries;
  if (!head) return head.error();
  if (!head->exists)
    return usage_error(
        fmt::format("s3://{}/{} does not exist: check the key (xship publish prints the URLs it wrote)", bucket, key));
  if (expected.size_known && head->size != expected.size)
    return integrity_error(
        fmt::format("s3://{}/{} is {} bytes but the manifest says {}: the store holds another version", bucket, key,
                    head->size, expected.size));
  return head;
}

// An object up to the range threshold in one GET, written and hashed as it arrives; a
// retry starts it over.
Status whole_download(s3::Client& client, const s3::ObjectRef& obj, std::uint64_t size, int fd, bool want_md5,
                      Fetched& out) {
  thread_local std::vector<char> gather(256 * 1024);
  RangeWriter file(fd, 0, gather);
  int io_errno = 0;
  s3::HashedBody body;
  body.want_md5 = want_md5;
  auto got = s3::get_hashed(
      client, obj.bucket, obj.key, size,
      [&](const char* d, std::size_t n) { return io_errno == 0 && (file.add(d, n) || (io_errno = errno, false)); },
      [&] {
        file.rewind();
        if (ftruncate(fd, 0) != 0) io_errno = errno;
      },
      body);
  out.retries += body.retries;
  if (io_errno == 0 && got && !file.flush()) io_errno = errno;
  if (io_errno != 0)
    return runtime_error(
        fmt::format("cannot write s3://{}/{} to disk: {}", obj.bucket, obj.key, std::strerror(io_errno)));
  if (!got) return got.error();
  out.md5 = body.md5;
  out.sha256 = body.sha256;
  return ok_status();
}

}  // namespace

Result<Fetched> fetch_object(s3::Client& client, const std::string& bucket, const std::string& key,
                             const std::string& dest_path, const Expected& expected, const FetchOptions& opts) {
  Fetched out;
  out.path = dest_path;
  auto head = object_info(client, bucket, key, expected, out.retries);
  if (!head) return head.error();
  auto want = s3::wanted_sums(bucket, key, *head, expected, opts.etag_check);
  if (!want) return want.error();
  XSHIP_TRY(check_room(dest_path, head->size));

  auto tmp = TempFile::create(dest_path);
  if (!tmp) return tmp.error();
  int fd = tmp->fd();
  if (head->size > opts.range_threshold) {
    // Only the sums that will be checked; with neither (--etag-check off) SHA-256 is still
    // reported.
    InOrderDigest sums(!want->md5.empty(), !want->sha256.empty() || want->md5.empty());
    XSHIP_TRY(ranged_download(client, bucket, key, head->size, fd, opts, sums, out.retries));
    out.md5 = sums.md5_hex();
    out.sha256 = sums.sha256_hex();
  } else {
    XSHIP_TRY(whole_download(client, {bucket, key}, head->size, fd, !want->md5.empty() || want->sha256.empty(), out));
  }
  out.size = head->size;
  XSHIP_TRY(s3::check_sums(bucket, key, *want, out.md5, out.sha256));
  XSHIP_TRY(s3::check_multipart_etag(bucket, key, *want, fd, head->size));
  out.verified_by = want->by.empty() ? "unverified (--etag-check off)" : want->by;
  XSHIP_TRY(tmp->commit(dest_path));
  return out;
}

int streams_per_file(int concurrency, std::size_t files) {
  if (concurrency <= 2) return std::max(1, concurrency);
  auto at_once = std::min<std::size_t>(std::max<std::size_t>(files, 1), static_cast<std::size_t>(concurrency));
  return std::max(2, concurrency / static_cast<int>(at_once));
}

Status check_entry_name(const std::string& name, const std::string& dir) {
  if (!is_clean_relative(name))
    return integrity_error(
        fmt::format("the manifest names '{}', which is not a plain relative path (a NUL, a control "
                    "character, an empty, '.' or '..' segment) and could land outside '{}': refusing it",
                    name, dir));
  if (name == "SHA256SUMS")
    return integrity_error(
        fmt::format("the manifest names 'SHA256SUMS', which fetch writes itself into '{}': refusing "
                    "it (the release is damaged or forged)",
                    dir));
  return ok_status();
}

Status write_file(const std::string& path, std::string_view bytes) {
  auto tmp = TempFile::create(path);
  if (!tmp) return tmp.error();
  if (!write_all(tmp->fd(), bytes.data(), bytes.size(), 0))
    return runtime_error(fmt::format("cannot write '{}': {}", path, std::strerror(errno)));
  return tmp->commit(path);
}

}  // namespace xship::fetch
