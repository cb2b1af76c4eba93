// S3's own limits, in one place: what a request may carry and what a reply may claim.
// Other stores (Ceph RGW, MinIO) keep the same ones.
#pragma once
#include <cstddef>
#include <cstdint>

namespace xship::s3 {

inline constexpr std::uint64_t kKiB = 1024;
inline constexpr std::uint64_t kMiB = 1024 * kKiB;
inline constexpr std::uint64_t kGiB = 1024 * kMiB;
inline constexpr std::uint64_t kTiB = 1024 * kGiB;

inline constexpr std::uint64_t kMaxObjectSize = 5 * kTiB;  // a larger size from a store is a lie
inline constexpr std::uint64_t kMinPartSize = 5 * kMiB;  // every part but the last
inline constexpr std::uint64_t kMaxPartSize = 5 * kGiB;
inline constexpr std::uint64_t kMaxParts = 10000;
inline constexpr std::uint64_t kMaxCopyObjectSize = 5 * kGiB;  // CopyObject; above it UploadPartCopy
inline constexpr std::size_t kMaxKeyBytes = 1024;

}  // namespace xship::s3
