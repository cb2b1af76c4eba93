#include "digest/digest.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <thread>
#include <vector>

#include "core/read_exact.h"
#include "digest/openssl_failed.h"

namespace xship::digest {

std::string hex(const std::uint8_t* data, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '\0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0xf];
  }
  return out;
}

std::string base64(const std::uint8_t* data, std::size_t n) {
  std::string out(4 * ((n + 2) / 3) + 1, '\0');
  int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(n));
  out.resize(static_cast<std::size_t>(len));
  return out;
}

bool parse_md5_hex(std::string_view h, Md5& out) {
  if (h.size() != 32) return false;
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < 16; ++i) {
    int hi = nib(h[2 * i]), lo = nib(h[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return true;
}

void openssl_failed(const char* step) {
  char reason[256] = "no reason given";
  if (unsigned long e = ERR_get_error()) ERR_error_string_n(e, reason, sizeof reason);
  std::fprintf(stderr,
               "xship: error: OpenSSL failed %s (%s): out of memory, or an OpenSSL configuration "
               "(OPENSSL_CONF) without the algorithm; aborting\n",
               step, reason);
  std::abort();
}

namespace {
// Every EVP call is checked; a failure is openssl_failed() (see digest/openssl_failed.h).
struct MdCtx {
  EVP_MD_CTX* ctx;
  const char* name;
  MdCtx(const EVP_MD* md, const char* name_) : ctx(EVP_MD_CTX_new()), name(name_) {
    if (!ctx || EVP_DigestInit_ex(ctx, md, nullptr) != 1) openssl_failed(name);
  }
  ~MdCtx() { EVP_MD_CTX_free(ctx); }
  MdCtx(const MdCtx&) = delete;
  MdCtx& operator=(const MdCtx&) = delete;
  void update(const void* d, std::size_t n) {
    if (EVP_DigestUpdate(ctx, d, n) != 1) openssl_failed(name);
  }
  template <std::size_t N>
  std::array<std::uint8_t, N> finish() {
    std::array<std::uint8_t, N> out{};
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx, out.data(), &len) != 1 || len != N) openssl_failed(name);
    return out;
  }
};
}  // namespace

Md5 md5(std::string_view data) {
  MdCtx c(EVP_md5(), "computing an MD5");
  c.update(data.data(), data.size());
  return c.finish<16>();
}

Sha256 sha256(std::string_view data) {
  MdCtx c(EVP_sha256(), "computing a SHA-256");
  c.update(data.data(), data.size());
  return c.finish<32>();
}

Sha256 hmac_sha256(std::string_view key, std::string_view data) {
  Sha256 out{};
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
            data.size(), out.data(), &len) ||
      len != out.size())
    openssl_failed("computing an HMAC-SHA256");
  return out;
}

struct Md5Stream::Impl {
  MdCtx c{EVP_md5(), "computing an MD5"};
};
Md5Stream::Md5Stream() : impl_(std::make_unique<Impl>()) {}
Md5Stream::~Md5Stream() = default;
Md5Stream::Md5Stream(Md5Stream&&) noexcept = default;
Md5Stream& Md5Stream::operator=(Md5Stream&&) noexcept = default;
void Md5Stream::update(const void* d, std::size_t n) { impl_->c.update(d, n); }
Md5 Md5Stream::finish() { return impl_->c.finish<16>(); }

struct Sha256Stream::Impl {
  MdCtx c{EVP_sha256(), "computing a SHA-256"};
};
Sha256Stream::Sha256Stream() : impl_(std::make_unique<Impl>()) {}
Sha256Stream::~Sha256Stream() = default;
Sha256Stream::Sha256Stream(Sha256Stream&&) noexcept = default;
Sha256Stream& Sha256Stream::operator=(Sha256Stream&&) noexcept = default;
void Sha256Stream::update(const void* d, std::size_t n) { impl_->c.update(d, n); }
Sha256 Sha256Stream::finish() { return impl_->c.finish<32>(); }

std::string multipart_etag(const Md5* part_md5s, std::size_t count) {
  MdCtx c(EVP_md5(), "computing an MD5");
  for (std::size_t i = 0; i < count; ++i) c.update(part_md5s[i].data(), part_md5s[i].size());
  return hex(c.finish<16>()) + "-" + std::to_string(count);
}

bool digest_file_range(int fd, std::uint64_t offset, std::uint64_t length, FileDigests& out) {
  // One read pass; MD5 (the slower, ~600 MB/s) and SHA-256 run on two cores over the
  // same block, so the pass costs the time of MD5 alone.
  constexpr std::size_t kBlock = 4 << 20;
  Md5Stream m;
  Sha256Stream s;
  std::vector<char> buf(static_cast<std::size_t>(std::min<std::uint64_t>(kBlock, std::max<std::uint64_t>(length, 1))));
  std::uint64_t done = 0;
  while (done < length) {
    const auto got = static_cast<size_t>(std::min<std::uint64_t>(buf.size(), length - done));
    if (!read_exact(fd, offset + done, std::span(buf.data(), got))) return false;
    if (got >= (1u << 20)) {
      std::thread sha([&] { s.update(buf.data(), got); });
      m.update(buf.data(), got);
      sha.join();
    } else {
      m.update(buf.data(), got);
      s.update(buf.data(), got);
    }
    done += got;
  }
  out.md5 = m.finish();
  out.sha256 = s.finish();
  out.bytes = done;
  return true;
}
}  // namespace xship::digest
