// Multi-buffer MD5: every path this CPU runs against RFC 1321's own test suite and against
// OpenSSL, on lengths around the padding boundaries, every lane count, more inputs than
// lanes, unaligned and overlapping buffers.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "digest/md5_multi.h"

using namespace xship::digest;

namespace {

std::span<const std::byte> bytes(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }

Md5 openssl_md5(std::span<const std::byte> in) {
  return md5(std::string_view(reinterpret_cast<const char*>(in.data()), in.size()));
}

// Random bytes shared by the differential tests; inputs are slices at random offsets, so
// most start unaligned and some overlap.
const std::vector<std::byte>& pool() {
  static const std::vector<std::byte> data = [] {
    std::vector<std::byte> d(12u << 20);
    std::mt19937_64 rng(1321);
    for (auto& b : d) b = static_cast<std::byte>(rng());
    return d;
  }();
  return data;
}

std::vector<std::span<const std::byte>> slices(const std::vector<std::size_t>& lengths, std::mt19937_64& rng) {
  std::vector<std::span<const std::byte>> out;
  for (std::size_t n : lengths) out.push_back(std::span(pool()).subspan(rng() % (pool().size() - n + 1), n));
  return out;
}

// Lengths where padding changes shape: one padded block or two, a block exactly full.
const std::vector<std::size_t> kEdges = {0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 4096, 65535};

// Compares one path with OpenSSL input by input; returns how many inputs were checked.
std::size_t expect_same_as_openssl(std::span<const std::span<const std::byte>> inputs, Md5Path path) {
  auto got = md5_many(inputs, path);
  EXPECT_TRUE(got) << got.error().message;
  if (!got) return 0;
  EXPECT_EQ(got->size(), inputs.size());
  for (std::size_t i = 0; i < inputs.size() && i < got->size(); ++i)
    EXPECT_EQ(hex((*got)[i]), hex(openssl_md5(inputs[i])))
        << md5_path_name(path) << ": input " << i << " of " << inputs.size() << ", " << inputs[i].size() << " bytes";
  return inputs.size();
}

}  // namespace

TEST(Md5Multi, OpenSslIsAlwaysAPath) {
  auto paths = md5_paths();
  ASSERT_FALSE(paths.empty());
  EXPECT_EQ(paths.front(), Md5Path::openssl);
  EXPECT_EQ(std::count(paths.begin(), paths.end(), Md5Path::openssl), 1);
}

TEST(Md5Multi, Rfc1321TestSuiteOnEveryPath) {
  // RFC 1321 appendix A.5.
  const std::vector<std::pair<std::string_view, std::string_view>> suite = {
      {"", "d41d8cd98f00b204e9800998ecf8427e"},
      {"a", "0cc175b9c0f1b6a831c399e269772661"},
      {"abc", "900150983cd24fb0d6963f7d28e17f72"},
      {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
      {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
      {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"},
      {"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
       "57edf4a22be3c955ac49da2e2107b67a"}};
  std::vector<std::span<const std::byte>> all;
  for (auto& [text, want] : suite) all.push_back(bytes(text));
  int ran = 0;
  for (Md5Path path : md5_paths()) {
    SCOPED_TRACE(md5_path_name(path));
    auto together = md5_many(all, path);
    ASSERT_TRUE(together) << together.error().message;
    for (std::size_t i = 0; i < suite.size(); ++i) {
      EXPECT_EQ(hex((*together)[i]), suite[i].second) << '"' << suite[i].first << '"';
      std::span<const std::byte> one[] = {all[i]};
      auto alone = md5_many(one, path);
      ASSERT_TRUE(alone) << alone.error().message;
      EXPECT_EQ(hex(alone->at(0)), suite[i].second) << '"' << suite[i].first << "\" alone";
    }
    ++ran;
  }
  EXPECT_GE(ran, 1);
}

TEST(Md5Multi, EveryLaneCountAndMoreInputsThanLanes) {
  std::mt19937_64 rng(56);
  std::size_t checked_openssl = 0;
  for (Md5Path path : md5_paths()) {
    for (std::size_t count : {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 24, 31, 33, 50}) {
      std::vector<std::size_t> lengths;
      for (std::size_t i = 0; i < count; ++i)
        lengths.push_back(i % 3 == 0 ? kEdges[rng() % kEdges.size()] : rng() % 20000);
      auto n = expect_same_as_openssl(slices(lengths, rng), path);
      if (path == Md5Path::openssl) checked_openssl += n;
    }
  }
  EXPECT_GT(checked_openssl, 0u);
}

TEST(Md5Multi, RandomLengthsUpToSeveralMiB) {
  std::mt19937_64 rng(1992);
  std::vector<std::size_t> lengths = kEdges;
  lengths.push_back(pool().size());  // the whole pool: 12 MiB
  lengths.push_back(4u << 20);
  for (int i = 0; i < 20; ++i) lengths.push_back(rng() % (6u << 20));
  std::shuffle(lengths.begin(), lengths.end(), rng);
  int ran = 0;
  for (Md5Path path : md5_paths()) {
    SCOPED_TRACE(md5_path_name(path));
    expect_same_as_openssl(slices(lengths, rng), path);
    ++ran;
  }
  EXPECT_GE(ran, 1);
}

TEST(Md5Multi, EqualAndOverlappingInputs) {
  std::string text(1000, 'x');
  for (std::size_t i = 0; i < text.size(); ++i) text[i] = static_cast<char>('a' + i % 26);
  std::vector<std::span<const std::byte>> inputs;
  for (int i = 0; i < 20; ++i) inputs.push_back(bytes(text));  // the same bytes 20 times
  for (std::size_t i = 0; i < 20; ++i) inputs.push_back(bytes(text).subspan(i, 64 + i));  // overlapping slices
  for (Md5Path path : md5_paths()) expect_same_as_openssl(inputs, path);
}

TEST(Md5Multi, DefaultPathMatchesOpenSsl) {
  std::mt19937_64 rng(7);
  for (std::vector<std::size_t> lengths : std::vector<std::vector<std::size_t>>{
           {}, {100}, {1u << 20, 10}, {64, 64, 64, 64, 64, 64}, std::vector<std::size_t>(64, 8192)}) {
    auto inputs = slices(lengths, rng);
    auto got = md5_many(inputs);
    ASSERT_EQ(got.size(), inputs.size());
    for (std::size_t i = 0; i < inputs.size(); ++i) EXPECT_EQ(hex(got[i]), hex(openssl_md5(inputs[i])));
  }
}
