#include "publish/source_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <span>
#include <thread>

namespace xship::publish {

Result<UniqueFd> open_source(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return usage_error(fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  return UniqueFd(fd);
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
bool hash_file(int fd, std::uint64_t size, Stream& stream, const std::atomic<bool>* stop = nullptr) {
  constexpr std::uint64_t kChunk = 1 << 20;
  std::string buf;
  for (std::uint64_t at = 0; at < size; at += kChunk) {
    if ((stop && stop->load()) || !read_at(fd, at, std::min(kChunk, size - at), buf)) return false;
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

std::optional<FileSums> cached_sums(const compress::DigestCache& cache, const PlannedFile& f) {
  auto cached = cache.lookup(f.path, f.stamp);
  if (!cached) return std::nullopt;
  FileSums sums;
  sums.digests = *cached;
  sums.cached = true;
  return sums;
}

std::optional<digest::Sha256> file_sha256(int fd, std::uint64_t size, const std::atomic<bool>* stop) {
  digest::Sha256Stream sha;
  if (!hash_file(fd, size, sha, stop)) return std::nullopt;
  return sha.finish();
}

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

std::optional<PartSums> part_sums(int fd, std::uint64_t file_size, std::uint64_t part_size,
                                  const std::optional<digest::Sha256>& known) {
  std::optional<digest::Sha256> sha = known;
  std::atomic<bool> stop{false};
  std::thread sha_thread;
  if (!known) sha_thread = std::thread([&] { sha = file_sha256(fd, file_size, &stop); });
  auto etag = digest::file_multipart_etag(fd, file_size, part_size);
  if (!etag) stop = true;
  if (sha_thread.joinable()) sha_thread.join();
  if (!etag || !sha) return std::nullopt;
  return PartSums{*etag, *sha};
}

}  // namespace xship::publish
