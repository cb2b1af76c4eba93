#include "digest/sign.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cctype>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "digest/openssl_failed.h"

namespace xship::digest {

Blake2b512 blake2b512(std::string_view data) {
  Blake2b512 out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_blake2b512(), nullptr) != 1 || len != out.size())
    openssl_failed("computing a BLAKE2b-512");
  return out;
}

namespace {

// RFC 7693, section 3 (written here because OpenSSL 3.0 has no variable output length;
// tested against the RFC's vector and against OpenSSL's 64-byte output).
constexpr std::uint64_t kIv[8] = {0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL,
                                  0xa54ff53a5f1d36f1ULL, 0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL,
                                  0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL};
constexpr std::uint8_t kSigma[12][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4}, {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13}, {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11}, {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5}, {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3}};

std::uint64_t rotr(std::uint64_t x, int n) { return (x >> n) | (x << (64 - n)); }

void compress(std::uint64_t h[8], const std::uint8_t block[128], std::uint64_t counter, bool last) {
  std::uint64_t m[16], v[16];
  for (int i = 0; i < 16; ++i) {
    m[i] = 0;
    for (int b = 7; b >= 0; --b) m[i] = m[i] << 8 | block[8 * i + b];
  }
  for (int i = 0; i < 8; ++i) v[i] = h[i], v[i + 8] = kIv[i];
  v[12] ^= counter;  // inputs here are far below 2^64 bytes: the high counter word stays 0
  if (last) v[14] = ~v[14];
  auto g = [&](int a, int b, int c, int d, std::uint64_t x, std::uint64_t y) {
    v[a] = v[a] + v[b] + x, v[d] = rotr(v[d] ^ v[a], 32);
    v[c] = v[c] + v[d], v[b] = rotr(v[b] ^ v[c], 24);
    v[a] = v[a] + v[b] + y, v[d] = rotr(v[d] ^ v[a], 16);
    v[c] = v[c] + v[d], v[b] = rotr(v[b] ^ v[c], 63);
  };
  for (const auto& s : kSigma) {
    g(0, 4, 8, 12, m[s[0]], m[s[1]]), g(1, 5, 9, 13, m[s[2]], m[s[3]]);
    g(2, 6, 10, 14, m[s[4]], m[s[5]]), g(3, 7, 11, 15, m[s[6]], m[s[7]]);
    g(0, 5, 10, 15, m[s[8]], m[s[9]]), g(1, 6, 11, 12, m[s[10]], m[s[11]]);
    g(2, 7, 8, 13, m[s[12]], m[s[13]]), g(3, 4, 9, 14, m[s[14]], m[s[15]]);
  }
  for (int i = 0; i < 8; ++i) h[i] ^= v[i] ^ v[i + 8];
}

}  // namespace

std::string blake2b(std::string_view data, std::size_t out_len) {
  if (out_len < 1 || out_len > 64) throw std::invalid_argument("BLAKE2b output length must be 1 to 64 bytes");
  std::uint64_t h[8];
  std::memcpy(h, kIv, sizeof h);
  h[0] ^= 0x01010000ULL ^ out_len;  // parameter block: no key, fanout 1, depth 1
  std::uint8_t block[128];
  std::uint64_t counter = 0;
  std::size_t at = 0;
  // Every full block but the last is compressed as it comes; the last (possibly empty,
  // possibly full) one is padded with zeros and flagged.
  while (data.size() - at > 128) {
    std::memcpy(block, data.data() + at, 128);
    at += 128;
    counter += 128;
    compress(h, block, counter, false);
  }
  std::memset(block, 0, sizeof block);
  std::memcpy(block, data.data() + at, data.size() - at);
  counter += data.size() - at;
  compress(h, block, counter, true);
  std::string out(out_len, '\0');
  for (std::size_t i = 0; i < out_len; ++i) out[i] = static_cast<char>(h[i / 8] >> (8 * (i % 8)));
  wipe(h, sizeof h);
  wipe(block, sizeof block);
  return out;
}

bool scrypt(std::string_view password, std::string_view salt, std::uint64_t n, std::uint32_t r, std::uint32_t p,
            std::uint64_t max_memory, std::uint8_t* out, std::size_t out_len) {
  return EVP_PBE_scrypt(password.data(), password.size(), reinterpret_cast<const unsigned char*>(salt.data()),
                        salt.size(), n, r, p, max_memory, out, out_len) == 1;
}

bool random_bytes(std::uint8_t* out, std::size_t n) { return RAND_bytes(out, static_cast<int>(n)) == 1; }

void wipe(void* p, std::size_t n) { OPENSSL_cleanse(p, n); }

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0 || text.size() > (1u << 20)) return std::nullopt;
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    bool pad_ok = c == '=' && i + 2 >= text.size() && (i + 1 == text.size() || text.back() == '=');
    if (!(std::isalnum(c) || c == '+' || c == '/' || pad_ok)) return std::nullopt;
  }
  std::string out(text.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts the padding as zero bytes.
  std::size_t pad = text.ends_with("==") ? 2 : text.ends_with('=') ? 1 : 0;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

namespace ed25519 {

namespace {
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

Pkey private_key(const Seed& seed) {
  Pkey k(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
  if (!k) openssl_failed("setting up an Ed25519 key");
  return k;
}
}  // namespace

PublicKey public_key(const Seed& seed) {
  PublicKey out{};
  std::size_t len = out.size();
  if (EVP_PKEY_get_raw_public_key(private_key(seed).get(), out.data(), &len) != 1 || len != out.size())
    openssl_failed("deriving an Ed25519 public key");
  return out;
}

Signature sign(const Seed& seed, std::string_view message) {
  auto key = private_key(seed);
  MdCtx ctx(EVP_MD_CTX_new());
  Signature out{};
  std::size_t len = out.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), out.data(), &len, reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1 ||
      len != out.size())
    openssl_failed("signing with Ed25519");
  return out;
}

bool verify(const PublicKey& key, std::string_view message, const Signature& sig) {
  Pkey k(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.data(), key.size()));
  MdCtx ctx(EVP_MD_CTX_new());
  if (!k || !ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, k.get()) != 1) return false;
  return EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

}  // namespace ed25519

}  // namespace xship::digest
