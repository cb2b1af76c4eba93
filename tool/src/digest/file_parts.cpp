#include "digest/file_parts.h"

#include <algorithm>
#include <cctype>
#include <memory>
#include <span>
#include <vector>

#include "core/read_exact.h"
#include "digest/md5_lanes.h"

namespace xship::digest {

bool read_at(int fd, std::uint64_t offset, std::uint64_t length, std::string& buf) {
  buf.resize(length);
  return read_exact(fd, offset, std::span(buf.data(), length));
}

bool part_md5s(int fd, std::uint64_t file_size, std::uint64_t part_size, int first, int n, Md5* out) {
  constexpr std::uint64_t kLaneChunk = 256 * 1024;
  const auto lanes_n = static_cast<std::size_t>(n);
  Md5Lanes lanes(lanes_n);
  // Not zero-filled (pread overwrites it): the fill cost as much as the reads.
  auto buf = std::make_unique_for_overwrite<char[]>(lanes_n * kLaneChunk);
  std::vector<std::span<const std::byte>> chunks(lanes_n);
  for (std::uint64_t at = 0; at < part_size; at += kLaneChunk) {
    for (std::size_t i = 0; i < lanes_n; ++i) {
      const std::uint64_t start = (static_cast<std::uint64_t>(first) + i) * part_size;
      const std::uint64_t len = start < file_size ? std::min(part_size, file_size - start) : 0;
      const std::uint64_t take = at < len ? std::min(kLaneChunk, len - at) : 0;
      char* mine = buf.get() + i * kLaneChunk;
      if (take && !read_exact(fd, start + at, std::span(mine, take))) return false;
      chunks[i] = std::as_bytes(std::span(mine, take));
    }
    lanes.update(chunks);
  }
  auto md5s = lanes.finish();
  std::copy(md5s.begin(), md5s.end(), out);
  return true;
}

std::optional<std::string> file_multipart_etag(int fd, std::uint64_t size, std::uint64_t part_size) {
  constexpr std::uint64_t kMaxParts = 10000;  // S3's limit: more cannot be a multipart upload
  if (part_size == 0 || (size + part_size - 1) / part_size > kMaxParts) return std::nullopt;
  const auto count = static_cast<int>((size + part_size - 1) / part_size);
  std::vector<Md5> md5s(static_cast<std::size_t>(count));
  for (int first = 0; first < count; first += kLaneParts)
    if (!part_md5s(fd, size, part_size, first, std::min(kLaneParts, count - first),
                   md5s.data() + static_cast<std::ptrdiff_t>(first)))
      return std::nullopt;
  return multipart_etag(md5s.data(), md5s.size());
}

bool is_multipart_etag(const std::string& etag, std::uint64_t* parts) {
  const auto dash = etag.find('-');
  if (dash != 32 || etag.size() < 34 || etag.size() > 38) return false;
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < etag.size(); ++i) {
    const char c = etag[i];
    if (i < 32 && !std::isxdigit(static_cast<unsigned char>(c))) return false;
    if (i > 32 && (c < '0' || c > '9')) return false;
    if (i > 32) n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (parts) *parts = n;
  return n > 0;
}

}  // namespace xship::digest
