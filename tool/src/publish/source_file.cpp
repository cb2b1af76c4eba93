#include "publish/source_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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
  } else if (!digest::digest_file_range(fd, 0, f.stamp.size, sums.digests)) {
    return std::nullopt;
  } else {
    // Small files are read anyway to be sent, so caching them would only cost cache writes.
    (void)cache.record(f.path, f.stamp, sums.digests.md5, sums.digests.sha256);
  }
  return sums;
}

}  // namespace xship::publish
