// The multipart part size actually used: at least 5 MiB and the requested size, grown in
// whole MiB so the file fits in S3's 10,000 parts.
#include <gtest/gtest.h>

#include <cstdint>

#include "publish/uploader.h"

using namespace xship::publish;

namespace {
constexpr std::uint64_t MiB = 1024 * 1024, GiB = MiB * 1024, TiB = GiB * 1024;

std::uint64_t parts_for(std::uint64_t file, std::uint64_t part) { return (file + part - 1) / part; }
}  // namespace

TEST(PartSize, Constants) {
  EXPECT_EQ(kMiB, MiB);
  EXPECT_EQ(kMinPartSize, 5 * MiB);
  EXPECT_EQ(kMaxParts, 10000u);
}

TEST(PartSize, RequestedSizeKeptWhenItFits) {
  EXPECT_EQ(effective_part_size(17 * MiB, 8 * MiB), 8 * MiB);
  EXPECT_EQ(effective_part_size(1 * GiB, 64 * MiB), 64 * MiB);
  // Not rounded when it need not grow.
  EXPECT_EQ(effective_part_size(100 * MiB, 6 * MiB + 123), 6 * MiB + 123);
  // A part larger than the file is fine (one part).
  EXPECT_EQ(effective_part_size(6 * MiB, 100 * MiB), 100 * MiB);
}

TEST(PartSize, AtLeastFiveMiB) {
  EXPECT_EQ(effective_part_size(100 * MiB, 0), 5 * MiB);
  EXPECT_EQ(effective_part_size(100 * MiB, 1), 5 * MiB);
  EXPECT_EQ(effective_part_size(100 * MiB, 5 * MiB - 1), 5 * MiB);
  EXPECT_EQ(effective_part_size(100 * MiB, 5 * MiB), 5 * MiB);
  EXPECT_EQ(effective_part_size(0, 1 * MiB), 5 * MiB);
}

TEST(PartSize, GrowsForLargeFiles) {
  // 100 GiB / 10,000 = 10.24 MiB: 8 MiB would need 12,800 parts; 11 MiB needs 9,310.
  EXPECT_EQ(effective_part_size(100 * GiB, 8 * MiB), 11 * MiB);
  EXPECT_EQ(parts_for(100 * GiB, 11 * MiB), 9310u);
  // 5 TiB, the S3 object limit: 524.288 MiB per part -> 525 MiB.
  EXPECT_EQ(effective_part_size(5 * TiB, 8 * MiB), 525 * MiB);
  EXPECT_LE(parts_for(5 * TiB, 525 * MiB), kMaxParts);
  EXPECT_GT(parts_for(5 * TiB, 524 * MiB), kMaxParts);
  // A large request that is still too small grows too, to a whole MiB.
  EXPECT_EQ(effective_part_size(5 * TiB, 500 * MiB + 1), 525 * MiB);
  // A request already large enough is kept.
  EXPECT_EQ(effective_part_size(5 * TiB, 1 * GiB), 1 * GiB);
}

TEST(PartSize, ExactBoundaries) {
  // Exactly 10,000 parts of the requested size: no growth.
  EXPECT_EQ(effective_part_size(10000 * 8 * MiB, 8 * MiB), 8 * MiB);
  // One byte more would be part 10,001: grow to the next whole MiB.
  EXPECT_EQ(effective_part_size(10000 * 8 * MiB + 1, 8 * MiB), 9 * MiB);
  // The same at the 5 MiB floor.
  EXPECT_EQ(effective_part_size(10000 * 5 * MiB, 0), 5 * MiB);
  EXPECT_EQ(effective_part_size(10000 * 5 * MiB + 1, 0), 6 * MiB);
  // Exactly 10,000 parts of a request that is not a whole MiB: kept as it is.
  EXPECT_EQ(effective_part_size(10000 * (6 * MiB + 123), 6 * MiB + 123), 6 * MiB + 123);
  EXPECT_EQ(effective_part_size(10000 * (6 * MiB + 123) + 1, 6 * MiB + 123), 7 * MiB);
  // 10,000 x 9 MiB exactly, from 8 MiB: 9 MiB suffices; one byte more needs 10 MiB.
  EXPECT_EQ(effective_part_size(10000 * 9 * MiB, 8 * MiB), 9 * MiB);
  EXPECT_EQ(effective_part_size(10000 * 9 * MiB + 1, 8 * MiB), 10 * MiB);
}

TEST(PartSize, AlwaysFitsAndIsMinimal) {
  const std::uint64_t requests[] = {0, 5 * MiB, 8 * MiB, 16 * MiB + 7, 100 * MiB};
  for (std::uint64_t file = 0; file <= 5 * TiB; file = file * 3 + 12345677) {
    for (std::uint64_t req : requests) {
      SCOPED_TRACE(testing::Message() << "file " << file << " requested " << req);
      std::uint64_t part = effective_part_size(file, req);
      EXPECT_GE(part, kMinPartSize);
      EXPECT_GE(part, req);
      EXPECT_LE(parts_for(file, part), kMaxParts);
      if (part != std::max(req, kMinPartSize)) {
        // Grown: a whole number of MiB, and one MiB less would not fit.
        EXPECT_EQ(part % MiB, 0u);
        EXPECT_GT(parts_for(file, part - MiB), kMaxParts);
      }
    }
  }
}
