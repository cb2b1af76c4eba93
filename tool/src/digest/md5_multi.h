// Multi-buffer MD5: the digests of many independent buffers (the parts of a multipart
// upload, a batch of small files), computed side by side in SIMD lanes. One MD5 stream is
// serial, but N streams are not: with 8 (AVX2) or 16 (AVX-512) lanes the per-part digests
// cost a fraction of hashing the same bytes one stream at a time. Results are identical to
// OpenSSL's on every input; the CPU is probed at run time, so the binary stays baseline
// x86-64 (and on other architectures only the OpenSSL path exists).
#pragma once
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "digest/digest.h"

namespace xship::digest {

// How the digests are computed: OpenSSL one buffer at a time, or 8 / 16 lanes at once.
enum class Md5Path { openssl, avx2, avx512 };

std::string_view md5_path_name(Md5Path path);

// The paths this CPU runs, OpenSSL (always) first.
std::vector<Md5Path> md5_paths();

// The MD5 of each input, in input order, by the path that suits this CPU and this many
// inputs.
std::vector<Md5> md5_many(std::span<const std::span<const std::byte>> inputs);

// The same by a given path (tests, benchmarks); an error if this CPU lacks it.
Result<std::vector<Md5>> md5_many(std::span<const std::span<const std::byte>> inputs, Md5Path path);

}  // namespace xship::digest
