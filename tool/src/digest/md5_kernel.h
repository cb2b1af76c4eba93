// Inside digest/: the multi-buffer MD5 kernels md5_multi.cpp compiles, shared with the
// streaming lanes (md5_lanes.cpp). Not for use outside digest/.
#pragma once
#include <cstddef>
#include <cstdint>

#include "digest/md5_multi.h"

namespace xship::digest::detail {

// Up to 16 lanes' state, word-major: state[j][l] is word j of lane l.
constexpr int kMaxLanes = 16;
using LaneState = std::uint32_t[4][kMaxLanes];
// A kernel hashes `blocks` consecutive 64-byte blocks in each of its lanes, lane l reading
// from from[l] on, into the state.
using Kernel = void (*)(LaneState& state, const std::byte* const* from, std::size_t blocks);

// RFC 1321 section 3.3: words A, B, C, D of the initial state.
constexpr std::uint32_t kMd5Init[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};

struct LaneKernel {
  Kernel run = nullptr;  // nullptr: the OpenSSL path (no lanes)
  int lanes = 0;
};
// The kernel of a path; {nullptr, 0} for OpenSSL or a path this build lacks. The caller
// checks that the CPU runs it (md5_paths()).
LaneKernel lane_kernel(Md5Path path);

}  // namespace xship::digest::detail
