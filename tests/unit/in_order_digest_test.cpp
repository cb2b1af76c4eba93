// The in-order hasher of a parallel fetch: ranges fed from several threads in any order
// give the sums of one pass over the whole, the range whose turn it is may hash as it goes,
// and a cancel releases every waiter.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "digest/digest.h"
#include "fetch/in_order_digest.h"

using xship::fetch::InOrderDigest;
namespace digest = xship::digest;

namespace {

std::string bytes_of(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

// Feeds `data` cut into `range`-byte pieces, one thread per piece, started in `order`.
void feed_in_order(InOrderDigest& sums, const std::string& data, std::size_t range, std::vector<std::size_t> order) {
  std::vector<std::thread> threads;
  for (std::size_t i : order)
    threads.emplace_back([&, i] {
      std::size_t off = i * range, n = std::min(range, data.size() - off);
      EXPECT_TRUE(sums.feed(i, data.data() + off, n));
    });
  for (auto& t : threads) t.join();
}

}  // namespace

TEST(InOrderDigest, AnyCompletionOrderGivesTheOnePassSums) {
  const std::string data = bytes_of(1000 * 1000 + 17, 7);
  const std::size_t range = 65536;
  const std::size_t ranges = (data.size() + range - 1) / range;
  std::vector<std::size_t> order(ranges);
  for (std::size_t i = 0; i < ranges; ++i) order[i] = i;
  std::mt19937 rng(42);
  for (int round = 0; round < 8; ++round) {
    std::shuffle(order.begin(), order.end(), rng);
    InOrderDigest sums(true, true);
    feed_in_order(sums, data, range, order);
    EXPECT_EQ(sums.ranges_fed(), ranges);
    EXPECT_EQ(sums.md5_hex(), digest::hex(digest::md5(data))) << "round " << round;
    EXPECT_EQ(sums.sha256_hex(), digest::sha256_hex(data)) << "round " << round;
  }
}

TEST(InOrderDigest, ReverseOrderAndOnlyTheSumsAskedFor) {
  const std::string data = bytes_of(5 * 4096 + 1, 3);
  InOrderDigest sums(false, true);
  feed_in_order(sums, data, 4096, {5, 4, 3, 2, 1, 0});
  EXPECT_EQ(sums.sha256_hex(), digest::sha256_hex(data));
  EXPECT_EQ(sums.md5_hex(), "");
}

TEST(InOrderDigest, CancelReleasesRangesWaitingForAFailedOne) {
  InOrderDigest sums(true, true);
  std::vector<std::thread> waiters;
  std::vector<int> fed(3, -1);
  for (int i = 0; i < 3; ++i)
    waiters.emplace_back(
        [&, i] { fed[static_cast<std::size_t>(i)] = sums.feed(static_cast<std::uint64_t>(i + 1), "x", 1); });
  sums.cancel();  // range 0 failed: it is never fed
  for (auto& t : waiters) t.join();
  EXPECT_EQ(fed, (std::vector<int>{0, 0, 0}));
  EXPECT_EQ(sums.ranges_fed(), 0u);
  EXPECT_FALSE(sums.feed(0, "x", 1));
}

TEST(InOrderDigest, TheRangeWhoseTurnItIsHashesAsItGoes) {
  const std::string data = bytes_of(3000, 9);
  InOrderDigest sums(true, true);
  EXPECT_FALSE(sums.try_update(1, data.data() + 1000, 500));  // range 0 is not fed yet
  EXPECT_TRUE(sums.try_update(0, data.data(), 400));
  EXPECT_TRUE(sums.try_update(0, data.data() + 400, 600));
  EXPECT_TRUE(sums.feed(0, data.data() + 1000, 0));  // range 0 done, nothing left over
  EXPECT_TRUE(sums.try_update(1, data.data() + 1000, 1000));
  EXPECT_TRUE(sums.feed(1, data.data() + 2000, 0));
  EXPECT_TRUE(sums.feed(2, data.data() + 2000, 1000));
  EXPECT_EQ(sums.md5_hex(), digest::hex(digest::md5(data)));
  EXPECT_EQ(sums.sha256_hex(), digest::sha256_hex(data));
}

// The stepwise API a fetch worker uses: a range that waited hashes its bytes in pieces
// after wait_turn(), and nothing passes the turn but pass_turn().
TEST(InOrderDigest, AWaitingRangeHashesInPiecesThenPassesTheTurn) {
  const std::string data = bytes_of(4096 * 3 + 5, 11);
  InOrderDigest sums(false, true);
  std::thread later([&] {
    ASSERT_TRUE(sums.wait_turn(1));
    for (std::size_t off = 4096; off < data.size(); off += 1000)
      sums.update(data.data() + off, std::min<std::size_t>(1000, data.size() - off));
    sums.pass_turn();
  });
  EXPECT_FALSE(sums.has_turn(1));
  ASSERT_TRUE(sums.has_turn(0));
  sums.update(data.data(), 4096);
  EXPECT_EQ(sums.ranges_fed(), 0u);  // an update alone does not pass the turn
  sums.pass_turn();
  later.join();
  EXPECT_EQ(sums.ranges_fed(), 2u);
  EXPECT_FALSE(sums.has_turn(1));
  EXPECT_EQ(sums.sha256_hex(), digest::sha256_hex(data));
}
