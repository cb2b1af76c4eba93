#include "publish/source_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <span>
#include <thread>

#include "digest/md5_lanes.h"

namespace xship::publish {

Result<UniqueFd> open_source(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return usage_error(fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  return UniqueFd(fd);
}

bool read_at(int fd, std::uint64_t offset, std::uint64_t length, std::string& buf) {
  buf.resize(length);
  std::uint64_t got = 0;
  while (got < length) {
    ssize_t n = pread(fd, buf.data() + got, length - got, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    got += static_cast<std::uint64_t>(n);
  }
  return true;
}

bool unchanged(const PlannedFile& f) {
  auto now = stamp_file(f.path);
  return now && *now == f.stamp;
}

Error changed_error(const std::string& path) {
  return integrity_error(
      fmt::format("'{}' changed while it was being published: nothing was left under its key; "
                  "rerun once the file is final",
                  path));
}

namespace {

// `stream` fed [0, size) of the file in 1 MiB reads; false when it ends early.
template <class Stream>
bool hash_file(int fd, std::uint64_t size, Stream& stream) {
  constexpr std::uint64_t kChunk = 1 << 20;
  std::string buf;
  for (std::uint64_t at = 0; at < size; at += kChunk) {
    if (!read_at(fd, at, std::min(kChunk, size - at), buf)) return false;
    stream.update(buf.data(), buf.size());
  }
  return true;
}

// The whole file's MD5 and SHA-256, each in its own thread with its own reads (one of the
// two from the page cache): the pass takes as long as the slower sum, not as both.
bool whole_file_sums(int fd, std::uint64_t size, digest::FileDigests& out) {
  digest::Sha256Stream sha;
  bool sha_ok = false;
  std::thread sha_thread([&] { sha_ok = hash_file(fd, size, sha); });
  digest::Md5Stream md5;
  const bool md5_ok = hash_file(fd, size, md5);
  sha_thread.join();
  if (!md5_ok || !sha_ok) return false;
  out.md5 = md5.finish(), out.sha256 = sha.finish(), out.bytes = size;
  return true;
}

}  // namespace

std::optional<FileSums> file_sums(compress::DigestCache& cache, const PlannedFile& f, int fd,
                                  const std::string* in_memory) {
  FileSums sums;
  if (auto cached = cache.lookup(f.path, f.stamp)) {
    sums.digests = *cached;  // compress hashed these bytes as it wrote them
    sums.cached = true;
  } else if (in_memory) {
    sums.digests.md5 = digest::md5(*in_memory);
    sums.digests.sha256 = digest::sha256(*in_memory);
    sums.digests.bytes = in_memory->size();
  } else if (!whole_file_sums(fd, f.stamp.size, sums.digests)) {
    return std::nullopt;
  } else {
    // Small files are read anyway to be sent, so caching them would only cost cache writes.
    (void)cache.record(f.path, f.stamp, sums.digests.md5, sums.digests.sha256);
  }
  return sums;
}

bool part_md5s(int fd, std::uint64_t file_size, std::uint64_t part_size, int first, int n, digest::Md5* out) {
  constexpr std::uint64_t kLaneChunk = 256 * 1024;
  digest::Md5Lanes lanes(static_cast<std::size_t>(n));
  std::vector<std::string> bufs(static_cast<std::size_t>(n));
  std::vector<std::span<const std::byte>> chunks(bufs.size());
  for (std::uint64_t at = 0; at < part_size; at += kLaneChunk) {
    for (std::size_t i = 0; i < bufs.size(); ++i) {
      const std::uint64_t start = (static_cast<std::uint64_t>(first) + i) * part_size;
      const std::uint64_t len = start < file_size ? std::min(part_size, file_size - start) : 0;
      const std::uint64_t take = at < len ? std::min(kLaneChunk, len - at) : 0;
      if (take && !read_at(fd, start + at, take, bufs[i])) return false;
      chunks[i] = std::as_bytes(std::span(bufs[i].data(), take));
    }
    lanes.update(chunks);
  }
  auto md5s = lanes.finish();
  std::copy(md5s.begin(), md5s.end(), out);
  return true;
}

}  // namespace xship::publish
