// A file's identity at a moment: size, modification time in ns and inode. A different
// stamp later means the file was rewritten, replaced or touched. Publish uses it to catch
// a file changing under an upload; the digest cache to trust sums only for the bytes they
// were computed from.
#pragma once
#include <sys/stat.h>

#include <cstdint>
#include <string>

#include "core/result.h"

namespace xship {

struct FileStamp {
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::uint64_t inode = 0;
  bool operator==(const FileStamp&) const = default;
};

FileStamp stamp_of(const struct stat& st);
// A Usage error naming the path when it cannot be stat'ed.
Result<FileStamp> stamp_file(const std::string& path);

}  // namespace xship
