// Verified download: bytes land in a temporary file beside the destination and are
// renamed into place only after their MD5/SHA-256 match what the store or manifest says.
#pragma once
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "s3/client.h"
#include "s3/verified_get.h"

namespace xship::fetch {

struct FetchOptions {
  int concurrency = 8;
  std::uint64_t range_threshold = 16 * 1024 * 1024;  // above it: parallel ranged GETs
  std::uint64_t range_size = 8 * 1024 * 1024;
  bool etag_check = true;
};

using Expected = s3::ExpectedSums;

// Parallel ranged GETs per file when `files` files are fetched at once within a budget of
// `concurrency` requests: a release of one big file uses the whole budget, many files
// split it (at least 2 each unless the budget is smaller, so a big file among many still
// overlaps two ranges).
int streams_per_file(int concurrency, std::size_t files);

struct Fetched {
  std::string path;
  std::uint64_t size = 0;
  std::string md5, sha256;
  std::string verified_by;  // "manifest sha256", "metadata md5", "ETag"
  int retries = 0;
};

// Downloads s3://bucket/key to dest_path. What it is checked against: `expected` (from a
// manifest) first, then the x-amz-meta-md5/sha256 stored by publish, then a plain-MD5
// ETag. With none of these the download is refused (Integrity) unless etag_check is off.
Result<Fetched> fetch_object(s3::Client& client, const std::string& bucket, const std::string& key,
                             const std::string& dest_path, const Expected& expected, const FetchOptions& opts);

// A manifest entry's name, before anything is written for it: a plain relative path below
// DIR (no NUL or control character, no empty, '.' or '..' segment, not absolute) and not
// SHA256SUMS, which fetch --manifest writes itself. Integrity error otherwise.
Status check_entry_name(const std::string& name, const std::string& dir);

// Writes `bytes` to `path` as a download is written: a temporary file beside it, then a
// rename, so it is never half-written and never written through a link already there.
Status write_file(const std::string& path, std::string_view bytes);

}  // namespace xship::fetch
