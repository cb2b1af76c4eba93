// A file's parts hashed as S3 hashes a multipart upload: each part's MD5, side by side in
// SIMD lanes, and the multipart ETag they give. Reads with pread; no state.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "digest/digest.h"

namespace xship::digest {

// Reads `length` bytes at `offset` into `buf` (resized to fit). False when the file ends
// early or cannot be read.
bool read_at(int fd, std::uint64_t offset, std::uint64_t length, std::string& buf);

// The parts' MD5s are needed before the parts go out (Content-MD5, the resume check).
// One MD5 stream per part would cost as much CPU as the rest of the upload; SIMD lanes
// (digest/md5_lanes.h) hash kLaneParts parts side by side at a fraction of it, fed a
// 256 KiB chunk of each part per step, so memory stays at kLaneParts chunks (4 MiB), not
// kLaneParts parts. A sender reads each part again, from the page cache, as it sends it.
constexpr int kLaneParts = 16;

// The MD5s of parts [first, first + n) of a file of `file_size` bytes cut in `part_size`
// parts, into out[0, n). False when the file ends early: it changed.
bool part_md5s(int fd, std::uint64_t file_size, std::uint64_t part_size, int first, int n, Md5* out);

// The multipart ETag ("hex-N") of the file's `size` bytes cut in `part_size` parts;
// nullopt when the file ends early.
std::optional<std::string> file_multipart_etag(int fd, std::uint64_t size, std::uint64_t part_size);

// True for a multipart ETag ("hex-N", 1 <= N <= 99999); its part count in `parts`.
bool is_multipart_etag(const std::string& etag, std::uint64_t* parts = nullptr);

}  // namespace xship::digest
