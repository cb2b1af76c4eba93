#include "core/file_stamp.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace xship {

FileStamp stamp_of(const struct stat& st) {
  FileStamp s;
  s.size = static_cast<std::uint64_t>(st.st_size);
  s.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  s.inode = st.st_ino;
  return s;
}

Result<FileStamp> stamp_file(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0)
    return usage_error(fmt::format("cannot read '{}': {}: check the path", path, std::strerror(errno)));
  return stamp_of(st);
}

}  // namespace xship
