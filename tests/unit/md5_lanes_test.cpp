// Streaming multi-buffer MD5 against OpenSSL: every path this CPU runs, fed in chunks of
// random and of block-sized lengths, lanes fed unequally (some idle in a step), lengths
// around the padding boundaries, more messages than lanes.
#include <gtest/gtest.h>

#include <random>
#include <string_view>
#include <vector>

#include "digest/md5_lanes.h"

using namespace xship::digest;

namespace {

std::vector<std::byte> random_bytes(std::size_t n, std::mt19937_64& rng) {
  std::vector<std::byte> d(n);
  for (auto& b : d) b = static_cast<std::byte>(rng());
  return d;
}

Md5 openssl_md5(const std::vector<std::byte>& in) {
  return md5(std::string_view(reinterpret_cast<const char*>(in.data()), in.size()));
}

// Feeds every message through `lanes` in chunks whose lengths `next_chunk` picks, each
// update carrying one chunk per message (empty once a message is all fed).
template <class Pick>
std::vector<Md5> feed(Md5Lanes& lanes, const std::vector<std::vector<std::byte>>& msgs, Pick next_chunk) {
  std::vector<std::size_t> at(msgs.size(), 0);
  for (bool more = true; more;) {
    more = false;
    std::vector<std::span<const std::byte>> chunks;
    for (std::size_t i = 0; i < msgs.size(); ++i) {
      std::size_t n = std::min(next_chunk(i), msgs[i].size() - at[i]);
      chunks.push_back(std::span(msgs[i]).subspan(at[i], n));
      at[i] += n;
      more = more || at[i] < msgs[i].size();
    }
    lanes.update(chunks);
  }
  return lanes.finish();
}

void expect_openssl(const std::vector<std::vector<std::byte>>& msgs, const std::vector<Md5>& got,
                    const std::string& what) {
  ASSERT_EQ(got.size(), msgs.size()) << what;
  for (std::size_t i = 0; i < msgs.size(); ++i) EXPECT_EQ(got[i], openssl_md5(msgs[i])) << what << ", message " << i;
}

}  // namespace

TEST(Md5Lanes, BoundaryLengthsInRandomChunksOnEveryPath) {
  std::mt19937_64 rng(64);
  std::vector<std::vector<std::byte>> msgs;
  for (std::size_t n : {0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4096, 70001, 3, 200})
    msgs.push_back(random_bytes(n, rng));
  for (Md5Path path : md5_paths()) {
    auto lanes = Md5Lanes::with_path(msgs.size(), path);
    ASSERT_TRUE(lanes);
    EXPECT_EQ(lanes->path(), path);
    auto got = feed(*lanes, msgs, [&](std::size_t) { return static_cast<std::size_t>(rng() % 300); });
    expect_openssl(msgs, got, std::string(md5_path_name(path)));
  }
}

TEST(Md5Lanes, PartsSideBySideInBlockChunks) {
  // The uploader's way: N parts of one size (the last shorter), chunk k of each per update.
  std::mt19937_64 rng(8);
  for (std::size_t count : {1, 3, 4, 8, 15, 16, 17, 33}) {
    std::vector<std::vector<std::byte>> msgs;
    for (std::size_t i = 0; i < count; ++i) msgs.push_back(random_bytes(i + 1 == count ? 5000 + count : 16384, rng));
    for (Md5Path path : md5_paths()) {
      auto lanes = Md5Lanes::with_path(count, path);
      ASSERT_TRUE(lanes);
      auto got = feed(*lanes, msgs, [](std::size_t) { return std::size_t{4096}; });
      expect_openssl(msgs, got, std::string(md5_path_name(path)) + " x" + std::to_string(count));
    }
    Md5Lanes chosen(count);
    expect_openssl(msgs, feed(chosen, msgs, [](std::size_t) { return std::size_t{1024}; }), "chosen path");
  }
}

TEST(Md5Lanes, UnequalFeedingLeavesIdleLanesIntact) {
  // Message i gets a chunk only every (i % 5 + 1)th update: most steps run with idle lanes.
  std::mt19937_64 rng(5);
  std::vector<std::vector<std::byte>> msgs;
  for (std::size_t i = 0; i < 20; ++i) msgs.push_back(random_bytes(rng() % 9000, rng));
  for (Md5Path path : md5_paths()) {
    auto lanes = Md5Lanes::with_path(msgs.size(), path);
    ASSERT_TRUE(lanes);
    std::size_t round = 0;
    auto got = feed(*lanes, msgs, [&](std::size_t i) {
      if (i == 0) ++round;
      return round % (i % 5 + 1) == 0 ? std::size_t{64 * (i % 3 + 1)} + (i % 2) : std::size_t{0};
    });
    expect_openssl(msgs, got, std::string(md5_path_name(path)));
  }
}

TEST(Md5Lanes, TheWidestPathOnlyForFourMessagesOrMore) {
  EXPECT_EQ(Md5Lanes(3).path(), Md5Path::openssl);
  EXPECT_EQ(Md5Lanes(4).path(), md5_paths().back());
  EXPECT_EQ(Md5Lanes(0).finish().size(), 0u);
}
