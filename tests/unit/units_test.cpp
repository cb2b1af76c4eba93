// Sizes on the command line (parse_size) and in reports (human_size).
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "core/units.h"

using namespace xship;

namespace {
constexpr std::uint64_t KiB = 1024, MiB = KiB * 1024, GiB = MiB * 1024, TiB = GiB * 1024;
constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
}  // namespace

TEST(UnitsParseSize, PlainBytes) {
  struct Case {
    const char* text;
    std::uint64_t bytes;
  };
  for (const Case& c : {Case{"0", 0}, Case{"1", 1}, Case{"5242880", 5 * MiB}, Case{"007", 7}, Case{"100B", 100},
                        Case{"100b", 100}, Case{"18446744073709551615", kMax}}) {
    SCOPED_TRACE(c.text);
    auto r = parse_size(c.text, "--part-size");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(*r, c.bytes);
  }
}

TEST(UnitsParseSize, BinaryAndDecimalSuffixesAnyCase) {
  struct Case {
    const char* text;
    std::uint64_t bytes;
  };
  const Case cases[] = {
      // K/M/G and KiB/MiB/GiB: powers of 1024.
      {"1K", KiB},
      {"1k", KiB},
      {"1KiB", KiB},
      {"1kib", KiB},
      {"1KIB", KiB},
      {"8M", 8 * MiB},
      {"8m", 8 * MiB},
      {"8MiB", 8 * MiB},
      {"8mib", 8 * MiB},
      {"8mIb", 8 * MiB},
      {"2G", 2 * GiB},
      {"2g", 2 * GiB},
      {"2GiB", 2 * GiB},
      {"2gib", 2 * GiB},
      // KB/MB/GB: powers of 1000.
      {"1KB", 1000},
      {"1kb", 1000},
      {"1Kb", 1000},
      {"16MB", 16'000'000},
      {"16mb", 16'000'000},
      {"5GB", 5'000'000'000},
      {"5gb", 5'000'000'000},
      {"0MiB", 0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto r = parse_size(c.text, "--part-size");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(*r, c.bytes);
  }
}

TEST(UnitsParseSize, OverflowIsRejected) {
  // Just fits / just does not.
  auto fits = parse_size("17179869183G", "--part-size");  // (2^34 - 1) * 2^30 = 2^64 - 2^30
  ASSERT_TRUE(fits.ok()) << fits.error().message;
  EXPECT_EQ(*fits, kMax - GiB + 1);
  for (const char* text : {"18446744073709551616", "99999999999999999999999", "17179869184G", "17179869184GiB",
                           "18446744073709551616B", "18446744073709552K", "18446744073709552KB", "18446744073710M",
                           "18446744073709552MB", "18446744073709551615K", "18446744073709551615GB"}) {
    SCOPED_TRACE(text);
    auto r = parse_size(text, "--part-size");
    ASSERT_FALSE(r.ok()) << "accepted as " << *r;
    EXPECT_EQ(r.error().category, ErrorCategory::Usage);
  }
}

TEST(UnitsParseSize, GarbageEmptyNegativeRejectedNamingTheFlag) {
  for (const char* text : {"", "-1", "-8MiB", "+8", " 8", "8 ", "8 MiB", "MiB", "B", "8.5M", "1e6", "0x10", "8MiBs",
                           "8iB", "8Mi", "8KBB", "eight", "8,000", "8MiB8"}) {
    SCOPED_TRACE(std::string("'") + text + "'");
    auto r = parse_size(text, "--multipart-threshold");
    ASSERT_FALSE(r.ok()) << "accepted as " << *r;
    EXPECT_EQ(r.error().category, ErrorCategory::Usage);
    const std::string& m = r.error().message;
    EXPECT_NE(m.find("--multipart-threshold"), std::string::npos) << m;
    EXPECT_NE(m.find(std::string("'") + text + "'"), std::string::npos) << m;
    EXPECT_NE(m.find("MiB"), std::string::npos) << "the message shows how to write a size: " << m;
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  }
}

TEST(UnitsHumanSize, Table) {
  struct Case {
    std::uint64_t bytes;
    const char* text;
  };
  const Case cases[] = {
      {0, "0 B"},
      {1, "1 B"},
      {1023, "1023 B"},
      {1024, "1.0 KiB"},
      {1536, "1.5 KiB"},
      {5 * MiB, "5.0 MiB"},
      {8 * MiB + 512 * KiB, "8.5 MiB"},
      {100 * GiB, "100.0 GiB"},
      {5 * TiB, "5.0 TiB"},
      {1024 * TiB, "1024.0 TiB"},  // TiB is the largest unit
      {kMax, "16777216.0 TiB"},
      // Just below the next unit: rounding to one decimal must not print "1024.0 KiB".
      {MiB - 1, "1.0 MiB"},
      {GiB - 1, "1.0 GiB"},
      {MiB - 52, "1023.9 KiB"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.bytes);
    EXPECT_EQ(human_size(c.bytes), c.text);
  }
}

TEST(UnitsHumanSize, NeverShowsAFourDigitFractionBelowTheTopUnit) {
  // Walk sizes around every unit boundary: the number shown is below 1024 unless in TiB.
  for (std::uint64_t unit : {KiB, MiB, GiB, TiB}) {
    for (std::uint64_t delta = 0; delta < 1000; delta += 7) {
      for (std::uint64_t bytes : {unit - delta - 1, unit + delta}) {
        std::string s = human_size(bytes);
        SCOPED_TRACE(std::to_string(bytes) + " -> " + s);
        if (s.ends_with(" TiB")) continue;
        double shown = std::stod(s.substr(0, s.find(' ')));
        EXPECT_LT(shown, 1024.0);
      }
    }
  }
}

TEST(UnitsParseDuration, SecondsAndSuffixesAnyCase) {
  const std::vector<std::pair<std::string, long>> good = {{"3600", 3600}, {"0", 0},       {"30s", 30},    {"90m", 5400},
                                                          {"12h", 43200}, {"7d", 604800}, {"7D", 604800}, {"1H", 3600}};
  for (const auto& [text, secs] : good) {
    auto r = parse_duration(text, "--expires");
    ASSERT_TRUE(r.ok()) << text << ": " << r.error().message;
    EXPECT_EQ(r->count(), secs) << text;
  }
}

TEST(UnitsParseDuration, GarbageRejectedNamingTheFlagAndTheForms) {
  for (std::string text : {"", "h", "7x", "-1", "1.5h", "7dd", "7 d", " 7d", "99999999999999999999", "1w"}) {
    auto r = parse_duration(text, "--expires");
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().category, ErrorCategory::Usage);
    EXPECT_EQ(r.error().message,
              "--expires '" + text +
                  "' is not a duration: write seconds or a number with s, m, h or d, e.g. 3600, 90m, 12h, 7d");
  }
}
