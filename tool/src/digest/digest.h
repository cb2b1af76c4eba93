// MD5, SHA-256 and HMAC-SHA256 over OpenSSL's EVP interface, plus hex/base64.
// Only digest.cpp and sign.cpp include OpenSSL headers.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace xship::digest {

using Md5 = std::array<std::uint8_t, 16>;
using Sha256 = std::array<std::uint8_t, 32>;

std::string hex(const std::uint8_t* data, std::size_t n);
template <std::size_t N>
std::string hex(const std::array<std::uint8_t, N>& a) {
  return hex(a.data(), N);
}
std::string base64(const std::uint8_t* data, std::size_t n);
template <std::size_t N>
std::string base64(const std::array<std::uint8_t, N>& a) {
  return base64(a.data(), N);
}
// Parses 32 hex chars into an MD5; false on anything else.
bool parse_md5_hex(std::string_view hex, Md5& out);

Md5 md5(std::string_view data);
Sha256 sha256(std::string_view data);
Sha256 hmac_sha256(std::string_view key, std::string_view data);
inline std::string sha256_hex(std::string_view data) { return hex(sha256(data)); }

// Content-MD5 header value: base64 of the 16 raw bytes (RFC 1864), never of the hex.
inline std::string content_md5(const Md5& m) { return base64(m); }

// Streaming hashers; one read pass can feed both.
class Md5Stream {
 public:
  Md5Stream();
  ~Md5Stream();
  Md5Stream(Md5Stream&&) noexcept;
  Md5Stream& operator=(Md5Stream&&) noexcept;
  void update(const void* data, std::size_t n);
  Md5 finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(Sha256Stream&&) noexcept;
  Sha256Stream& operator=(Sha256Stream&&) noexcept;
  void update(const void* data, std::size_t n);
  Sha256 finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The S3 multipart ETag: hex(md5(md5(part1) || ... || md5(partN))) + "-N".
std::string multipart_etag(const Md5* part_md5s, std::size_t count);

}  // namespace xship::digest

namespace xship::digest {
// One read pass over [offset, offset+length) of an open file: MD5 and SHA-256 together.
struct FileDigests {
  Md5 md5{};
  Sha256 sha256{};
  std::uint64_t bytes = 0;
};
// Returns false (errno set) on a read error or if the file ends early.
bool digest_file_range(int fd, std::uint64_t offset, std::uint64_t length, FileDigests& out);
}  // namespace xship::digest
