// Multi-buffer MD5, written here because no Debian library offers it (Intel's isa-l_crypto
// has one but is not packaged). The algorithm is RFC 1321's, unchanged; what is ours is
// only how the work is laid out: lane l of every vector holds the state of input l, each
// 64-byte block of the 8 or 16 inputs is transposed so that vector j holds word j of every
// lane, and one pass of the 64 steps then advances all lanes at once.
#include "digest/md5_multi.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <string>

#include "digest/md5_kernel.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define XSHIP_MD5_LANES 1
#endif

namespace xship::digest {
namespace {

// RFC 1321 section 3.4: T[i] = floor(2^32 * abs(sin(i + 1))), i in radians.
constexpr std::uint32_t kT[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};
// RFC 1321 section 3.4: the left rotations of the four steps of each round.
constexpr int kRotate[4][4] = {{7, 12, 17, 22}, {5, 9, 14, 20}, {4, 11, 16, 23}, {6, 10, 15, 21}};
using detail::Kernel;
using detail::kMaxLanes;
using detail::LaneState;
constexpr const std::uint32_t (&kInit)[4] = detail::kMd5Init;

#ifdef XSHIP_MD5_LANES
// One block into every lane's state. V is a GCC vector of 32-bit lanes, so one body serves
// every width: always_inline puts it into each target-specific kernel, where the compiler
// turns it into that kernel's instructions (vprold and vpternlogd under AVX-512).
template <class V>
[[gnu::always_inline]] inline void md5_block(V (&s)[4], const V (&w)[16]) {
  V a = s[0], b = s[1], c = s[2], d = s[3];
#pragma GCC unroll 64
  for (int i = 0; i < 64; ++i) {
    V f;
    int g;  // which message word step i adds (RFC 1321 section 3.4)
    if (i < 16) {
      f = d ^ (b & (c ^ d)), g = i;  // F(X,Y,Z) = XY v not(X) Z
    } else if (i < 32) {
      f = c ^ (d & (b ^ c)), g = (5 * i + 1) % 16;  // G(X,Y,Z) = XZ v Y not(Z)
    } else if (i < 48) {
      f = b ^ c ^ d, g = (3 * i + 5) % 16;  // H(X,Y,Z) = X xor Y xor Z
    } else {
      f = c ^ (b | ~d), g = 7 * i % 16;  // I(X,Y,Z) = Y xor (X v not(Z))
    }
    V x = a + kT[i] + w[g] + f;  // f last: the other terms are ready before it
    const int r = kRotate[i / 16][i % 4];
    a = d, d = c, c = b;
    b += (x << r) | (x >> (32 - r));
  }
  s[0] += a, s[1] += b, s[2] += c, s[3] += d;
}

// A kernel's lanes' state in and out of vectors of its width.
template <class V>
[[gnu::always_inline]] inline void load_state(const LaneState& st, V (&s)[4]) {
  for (int j = 0; j < 4; ++j) std::memcpy(&s[j], st[j], sizeof(V));
}
template <class V>
[[gnu::always_inline]] inline void store_state(const V (&s)[4], LaneState& st) {
  for (int j = 0; j < 4; ++j) std::memcpy(st[j], &s[j], sizeof(V));
}

using Lanes8 = std::uint32_t __attribute__((vector_size(32)));
using Lanes16 = std::uint32_t __attribute__((vector_size(64)));
// The loads and shuffles below are unrolled in full: GCC would leave some of these short
// loops rolled.

// 8x8 transpose of 32-bit words: row l (lane l's 8 words) in, word j of all lanes out.
[[gnu::target("avx2"), gnu::always_inline]] inline void transpose8(const __m256i (&r)[8], Lanes8* out) {
  __m256i t[8], u[8];
#pragma GCC unroll 16
  for (int k = 0; k < 4; ++k) {
    t[2 * k] = _mm256_unpacklo_epi32(r[2 * k], r[2 * k + 1]);
    t[2 * k + 1] = _mm256_unpackhi_epi32(r[2 * k], r[2 * k + 1]);
  }
#pragma GCC unroll 16
  for (int k = 0; k < 2; ++k) {
    u[4 * k] = _mm256_unpacklo_epi64(t[4 * k], t[4 * k + 2]);
    u[4 * k + 1] = _mm256_unpackhi_epi64(t[4 * k], t[4 * k + 2]);
    u[4 * k + 2] = _mm256_unpacklo_epi64(t[4 * k + 1], t[4 * k + 3]);
    u[4 * k + 3] = _mm256_unpackhi_epi64(t[4 * k + 1], t[4 * k + 3]);
  }
#pragma GCC unroll 16
  for (int m = 0; m < 4; ++m) {
    out[m] = (Lanes8)_mm256_permute2x128_si256(u[m], u[4 + m], 0x20);
    out[4 + m] = (Lanes8)_mm256_permute2x128_si256(u[m], u[4 + m], 0x31);
  }
}

[[gnu::target("avx2")]] void blocks_avx2(LaneState& st, const std::byte* const* from, std::size_t blocks) {
  Lanes8 s[4], w[16];
  load_state(st, s);
  for (std::size_t off = 0; off < 64 * blocks; off += 64) {
    __m256i lo[8], hi[8];
#pragma GCC unroll 16
    for (int l = 0; l < 8; ++l) {
      lo[l] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(from[l] + off));
      hi[l] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(from[l] + off + 32));
    }
    transpose8(lo, w);
    transpose8(hi, w + 8);
    md5_block(s, w);
  }
  store_state(s, st);
}

// GCC 12 warns about _mm512_undefined_epi32 inside its own intrinsics (GCC bug 105593,
// fixed in 13).
#if !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
// 16x16 transpose of 32-bit words: 32-bit, then 64-bit interleaves inside each 128-bit
// quarter, then a 4x4 transpose of the quarters.
[[gnu::target("avx512f"), gnu::always_inline]] inline void transpose16(const __m512i (&r)[16], Lanes16* out) {
  __m512i a[16], b[16];
#pragma GCC unroll 16
  for (int k = 0; k < 8; ++k) {
    a[2 * k] = _mm512_unpacklo_epi32(r[2 * k], r[2 * k + 1]);
    a[2 * k + 1] = _mm512_unpackhi_epi32(r[2 * k], r[2 * k + 1]);
  }
#pragma GCC unroll 16
  for (int k = 0; k < 4; ++k) {  // b[4k+m], quarter q: word 4q+m of rows 4k..4k+3
    b[4 * k] = _mm512_unpacklo_epi64(a[4 * k], a[4 * k + 2]);
    b[4 * k + 1] = _mm512_unpackhi_epi64(a[4 * k], a[4 * k + 2]);
    b[4 * k + 2] = _mm512_unpacklo_epi64(a[4 * k + 1], a[4 * k + 3]);
    b[4 * k + 3] = _mm512_unpackhi_epi64(a[4 * k + 1], a[4 * k + 3]);
  }
#pragma GCC unroll 16
  for (int m = 0; m < 4; ++m) {  // out[4q+m], quarter k = b[4k+m], quarter q
    __m512i c0 = _mm512_shuffle_i32x4(b[m], b[4 + m], 0x44), c1 = _mm512_shuffle_i32x4(b[m], b[4 + m], 0xee);
    __m512i c2 = _mm512_shuffle_i32x4(b[8 + m], b[12 + m], 0x44), c3 = _mm512_shuffle_i32x4(b[8 + m], b[12 + m], 0xee);
    out[m] = (Lanes16)_mm512_shuffle_i32x4(c0, c2, 0x88);
    out[4 + m] = (Lanes16)_mm512_shuffle_i32x4(c0, c2, 0xdd);
    out[8 + m] = (Lanes16)_mm512_shuffle_i32x4(c1, c3, 0x88);
    out[12 + m] = (Lanes16)_mm512_shuffle_i32x4(c1, c3, 0xdd);
  }
}

[[gnu::target("avx512f")]] void blocks_avx512(LaneState& st, const std::byte* const* from, std::size_t blocks) {
  Lanes16 s[4], w[16];
  load_state(st, s);
  for (std::size_t off = 0; off < 64 * blocks; off += 64) {
    __m512i r[16];
#pragma GCC unroll 16
    for (int l = 0; l < 16; ++l) r[l] = _mm512_loadu_si512(from[l] + off);
    transpose16(r, w);
    md5_block(s, w);
  }
  store_state(s, st);
}
#if !defined(__clang__)
#pragma GCC diagnostic pop
#endif

// One input as a lane sees it: its whole blocks where they are, then the last one or two
// blocks (leftover bytes, 0x80, zeros, the length in bits; RFC 1321 sections 3.1, 3.2)
// built in the lane's own buffer.
struct Lane {
  static constexpr std::size_t kIdle = std::numeric_limits<std::size_t>::max();
  std::size_t input = kIdle;
  const std::byte* next = nullptr;
  std::size_t blocks = 0;  // left in the current run: in place, or padded
  std::size_t padded_blocks = 0;
  bool in_padding = false;
  alignas(64) std::byte padding[128];

  void start(std::size_t index, std::span<const std::byte> data) {
    input = index;
    std::size_t whole = data.size() / 64, rest = data.size() % 64;
    padded_blocks = rest < 56 ? 1 : 2;
    std::memset(padding, 0, sizeof padding);
    if (rest) std::memcpy(padding, data.data() + 64 * whole, rest);
    padding[rest] = std::byte{0x80};
    std::uint64_t bits = static_cast<std::uint64_t>(data.size()) * 8;  // modulo 2^64, as RFC 1321 says
    for (std::size_t i = 0; i < 8; ++i) padding[64 * padded_blocks - 8 + i] = static_cast<std::byte>(bits >> (8 * i));
    next = data.data(), blocks = whole, in_padding = false;
    if (blocks == 0) enter_padding();
  }
  void enter_padding() { next = padding, blocks = padded_blocks, in_padding = true; }
};

Md5 lane_digest(const LaneState& st, std::size_t lane) {
  Md5 out{};
  for (std::size_t j = 0; j < 4; ++j)
    for (std::size_t i = 0; i < 4; ++i) out[4 * j + i] = static_cast<std::uint8_t>(st[j][lane] >> (8 * i));
  return out;
}

// Feeds the inputs through the kernel's lanes, longest first, so that the lanes run dry at
// about the same time (a kernel call costs the same however many lanes are busy). Each call
// runs as many blocks as the busy lane with the fewest left; then lanes switch to their
// padding, or finish and take the next input.
std::vector<Md5> run_lanes(std::span<const std::span<const std::byte>> inputs, Kernel kernel, int lanes) {
  std::vector<Md5> out(inputs.size());
  std::vector<std::size_t> order(inputs.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t x, std::size_t y) { return inputs[x].size() > inputs[y].size(); });
  std::array<Lane, kMaxLanes> lane;
  LaneState st{};
  std::size_t queued = 0;
  const auto n = static_cast<std::size_t>(lanes);
  auto take_next = [&](std::size_t l) {
    if (queued == order.size()) {
      lane[l].input = Lane::kIdle;
      return;
    }
    lane[l].start(order[queued], inputs[order[queued]]);
    for (int j = 0; j < 4; ++j) st[j][l] = kInit[j];
    ++queued;
  };
  for (std::size_t l = 0; l < n; ++l) take_next(l);
  for (;;) {
    std::size_t run = std::numeric_limits<std::size_t>::max();
    std::size_t busy = n;  // none
    for (std::size_t l = 0; l < n; ++l)
      if (lane[l].input != Lane::kIdle) run = std::min(run, lane[l].blocks), busy = l;
    if (busy == n) break;
    // An idle lane reads a busy lane's bytes (always in bounds); its state is thrown away.
    const std::byte* from[kMaxLanes];
    for (std::size_t l = 0; l < n; ++l) from[l] = (lane[l].input != Lane::kIdle ? lane[l] : lane[busy]).next;
    kernel(st, from, run);
    for (std::size_t l = 0; l < n; ++l) {
      Lane& ln = lane[l];
      if (ln.input == Lane::kIdle) continue;
      ln.next += 64 * run, ln.blocks -= run;
      if (ln.blocks > 0) continue;
      if (!ln.in_padding) {
        ln.enter_padding();
      } else {
        out[ln.input] = lane_digest(st, l);
        take_next(l);
      }
    }
  }
  return out;
}

#endif  // XSHIP_MD5_LANES

bool cpu_has(Md5Path path) {
  switch (path) {
    case Md5Path::openssl: return true;
#ifdef XSHIP_MD5_LANES
    case Md5Path::avx2: return __builtin_cpu_supports("avx2");
    case Md5Path::avx512: return __builtin_cpu_supports("avx512f");
#else
    default: return false;
#endif
  }
  return false;
}

std::vector<Md5> run_path(std::span<const std::span<const std::byte>> inputs, Md5Path path) {
  switch (path) {
#ifdef XSHIP_MD5_LANES
    case Md5Path::avx2: return run_lanes(inputs, blocks_avx2, 8);
    case Md5Path::avx512: return run_lanes(inputs, blocks_avx512, 16);
#endif
    default: break;
  }
  std::vector<Md5> out;
  out.reserve(inputs.size());
  for (auto in : inputs) out.push_back(md5(std::string_view(reinterpret_cast<const char*>(in.data()), in.size())));
  return out;
}

}  // namespace

detail::LaneKernel detail::lane_kernel(Md5Path path) {
  switch (path) {
#ifdef XSHIP_MD5_LANES
    case Md5Path::avx2: return {blocks_avx2, 8};
    case Md5Path::avx512: return {blocks_avx512, 16};
#endif
    default: return {};
  }
}

std::string_view md5_path_name(Md5Path path) {
  switch (path) {
    case Md5Path::openssl: return "openssl";
    case Md5Path::avx2: return "avx2";
    case Md5Path::avx512: return "avx512";
  }
  return "?";
}

std::vector<Md5Path> md5_paths() {
  std::vector<Md5Path> out;
  for (Md5Path p : {Md5Path::openssl, Md5Path::avx2, Md5Path::avx512})
    if (cpu_has(p)) out.push_back(p);
  return out;
}

std::vector<Md5> md5_many(std::span<const std::span<const std::byte>> inputs) {
  // One lane runs at 0.3x (AVX2) to 0.45x (AVX-512) the speed of OpenSSL's one stream
  // (bench/md5_results.md), and the lanes take as long as their longest input: they pay
  // when no input holds a quarter of the bytes.
  std::size_t total = 0, longest = 0;
  for (auto in : inputs) total += in.size(), longest = std::max(longest, in.size());
  return run_path(inputs, longest < total / 4 ? md5_paths().back() : Md5Path::openssl);
}

Result<std::vector<Md5>> md5_many(std::span<const std::span<const std::byte>> inputs, Md5Path path) {
  if (!cpu_has(path))
    return runtime_error("this CPU cannot run the " + std::string(md5_path_name(path)) +
                         " MD5 path: pick one of those md5_paths() lists");
  return run_path(inputs, path);
}

}  // namespace xship::digest
