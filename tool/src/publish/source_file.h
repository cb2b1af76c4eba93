// The local side of an upload: the file opened once, its bytes read with pread, its sums
// (from the digest cache when xship compress or an earlier publish wrote them), and the
// check that it did not change while it was being published.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "compress/digest_cache.h"
#include "core/result.h"
#include "core/unique_fd.h"
#include "digest/digest.h"
#include "digest/file_parts.h"
#include "publish/plan.h"

namespace xship::publish {

// A Usage error naming the path when it cannot be opened.
Result<UniqueFd> open_source(const std::string& path);

// pread until `length` bytes are in `buf`; false when the file ends early: it changed.
using digest::read_at;

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

// The digest cache's entry for the file (nullopt: none for this stamp).
std::optional<FileSums> cached_sums(const compress::DigestCache& cache, const PlannedFile& f);

// A file's SHA-256 known before its one-pass upload: from the digest cache (an entry an
// earlier one-pass publish recorded) or from the pass that compared it with the store.
struct KnownSha256 {
  digest::Sha256 value;
  bool cached = false;  // from the digest cache: nothing to record afterwards
};

// The whole file's SHA-256 from one in-order read of `size` bytes (from the page cache
// while its parts are sent); nullopt when the file ends early or `stop` turns true.
std::optional<digest::Sha256> file_sha256(int fd, std::uint64_t size, const std::atomic<bool>* stop);

// The parts' MD5s side by side in SIMD lanes (digest/file_parts.h).
using digest::kLaneParts;
using digest::part_md5s;

// What skip detection needs of a cold multipart file: the multipart ETag of its parts
// (lanes) and its SHA-256 (a thread beside them, unless `known` from the digest cache),
// from one read of the file each.
struct PartSums {
  std::string multipart_etag;
  digest::Sha256 sha256{};
};
std::optional<PartSums> part_sums(int fd, std::uint64_t file_size, std::uint64_t part_size,
                                  const std::optional<digest::Sha256>& known);

}  // namespace xship::publish
