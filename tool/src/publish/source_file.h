// The local side of an upload: the file opened once, its bytes read with pread, its sums
// (from the digest cache when xship compress or an earlier publish wrote them), and the
// check that it did not change while it was being published.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "compress/digest_cache.h"
#include "core/result.h"
#include "core/unique_fd.h"
#include "digest/digest.h"
#include "publish/plan.h"

namespace xship::publish {

// A Usage error naming the path when it cannot be opened.
Result<UniqueFd> open_source(const std::string& path);

// Reads `length` bytes at `offset` into `buf` (resized to fit). False when the file ends
// early or cannot be read: it changed under us.
bool read_at(int fd, std::uint64_t offset, std::uint64_t length, std::string& buf);

// The file still has the stamp the plan saw (size, mtime, inode).
bool unchanged(const PlannedFile& f);
Error changed_error(const std::string& path);

struct FileSums {
  digest::FileDigests digests;
  bool cached = false;  // from the digest cache: the file was not read for them
  std::string md5hex() const { return digest::hex(digests.md5); }
  std::string sha256hex() const { return digest::hex(digests.sha256); }
};

// The file's MD5 and SHA-256: from the cache when it holds them for this stamp; else from
// `in_memory` (the bytes already read), or read from `fd` (the two sums in two threads)
// and then recorded, so an
// unchanged re-publish of a big file skips this pass. nullopt: reading failed.
std::optional<FileSums> file_sums(compress::DigestCache& cache, const PlannedFile& f, int fd,
                                  const std::string* in_memory);

// The parts' MD5s are needed before the parts go out (Content-MD5, the resume check).
// One MD5 stream per part would cost as much CPU as the rest of the upload; SIMD lanes
// (digest/md5_lanes.h) hash kLaneParts parts side by side at a fraction of it, fed a
// 256 KiB chunk of each part per step, so memory stays at kLaneParts chunks (4 MiB), not
// kLaneParts parts. The sender reads each part again, from the page cache.
constexpr int kLaneParts = 16;

// The MD5s of parts [first, first + n) of a file of `file_size` bytes cut in `part_size`
// parts, into out[0, n). False when the file ends early: it changed.
bool part_md5s(int fd, std::uint64_t file_size, std::uint64_t part_size, int first, int n, digest::Md5* out);

}  // namespace xship::publish
