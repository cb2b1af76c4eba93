// The local side of a publish: the whole-file sums (MD5 and SHA-256 in two threads) and the
// parts' MD5s (SIMD lanes, parts side by side) against digest_file_range over the same
// ranges, on random sizes around part and lane-chunk boundaries.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "digest/digest.h"
#include "publish/source_file.h"
#include "scratch_dir.h"

using namespace xship;
using namespace xship::publish;

namespace {

std::string random_text(std::size_t n, std::mt19937_64& rng) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

digest::FileDigests range_digests(int fd, std::uint64_t offset, std::uint64_t length) {
  digest::FileDigests d;
  EXPECT_TRUE(digest::digest_file_range(fd, offset, length, d));
  return d;
}

}  // namespace

TEST(SourceSums, PartMd5sEqualEachPartsDigest) {
  ScratchDir dir("sums");
  std::mt19937_64 rng(17);
  constexpr std::uint64_t kPart = 300 * 1024;  // not a multiple of the lanes' 256 KiB chunk
  for (std::uint64_t size : {kPart, kPart + 1, 3 * kPart - 1, 5 * kPart, 17 * kPart + 63, 20 * kPart + 4097,
                             std::uint64_t{256 * 1024}, std::uint64_t{1}}) {
    auto path = dir.write("f" + std::to_string(size), random_text(size, rng));
    auto fd = open_source(path);
    ASSERT_TRUE(fd);
    const int parts = static_cast<int>((size + kPart - 1) / kPart);
    std::vector<digest::Md5> got(static_cast<std::size_t>(parts));
    for (int first = 0; first < parts; first += kLaneParts) {
      const int n = std::min(kLaneParts, parts - first);
      ASSERT_TRUE(part_md5s(fd->get(), size, kPart, first, n, got.data() + first));
    }
    for (int i = 0; i < parts; ++i) {
      const std::uint64_t at = static_cast<std::uint64_t>(i) * kPart;
      EXPECT_EQ(got[static_cast<std::size_t>(i)], range_digests(fd->get(), at, std::min(kPart, size - at)).md5)
          << "size " << size << ", part " << i;
    }
  }
}

TEST(SourceSums, PartMd5sFailWhenTheFileIsShorterThanSaid) {
  ScratchDir dir("sums");
  std::mt19937_64 rng(3);
  auto fd = open_source(dir.write("short", random_text(1000, rng)));
  ASSERT_TRUE(fd);
  digest::Md5 out[2];
  EXPECT_FALSE(part_md5s(fd->get(), 2000, 1000, 0, 2, out));
}

TEST(SourceSums, ColdWholeFileSumsEqualOneReadPassAndAreRecorded) {
  ScratchDir dir("sums");
  std::mt19937_64 rng(29);
  compress::DigestCache cache(dir / "digests.json");
  for (std::uint64_t size : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{(1 << 20) - 1},
                             std::uint64_t{(1 << 20) + 1}, std::uint64_t{3 * (1 << 20) + 12345}}) {
    PlannedFile f;
    f.path = dir.write("w" + std::to_string(size), random_text(size, rng));
    auto stamp = stamp_file(f.path);
    ASSERT_TRUE(stamp);
    f.stamp = *stamp;
    auto fd = open_source(f.path);
    ASSERT_TRUE(fd);
    auto sums = file_sums(cache, f, fd->get(), nullptr);
    ASSERT_TRUE(sums);
    EXPECT_FALSE(sums->cached);
    auto want = range_digests(fd->get(), 0, size);
    EXPECT_EQ(sums->digests.md5, want.md5) << size;
    EXPECT_EQ(sums->digests.sha256, want.sha256) << size;
    auto again = file_sums(cache, f, fd->get(), nullptr);
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->cached) << "an unchanged file's sums come from the cache the first pass wrote";
    EXPECT_EQ(again->digests.sha256, want.sha256);
  }
}
