#include "core/units.h"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <limits>
#include <utility>

namespace xship {

Result<std::uint64_t> parse_size(std::string_view text, std::string_view flag) {
  auto bad = [&] {
    return usage_error(fmt::format(
        "{} '{}' is not a size: write bytes or a number with K, M, G (KiB, MiB, GiB) or KB, MB, GB, e.g. 8MiB", flag,
        text));
  };
  std::size_t i = 0;
  std::uint64_t n = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    std::uint64_t d = static_cast<std::uint64_t>(text[i] - '0');
    if (n > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return bad();
    n = n * 10 + d;
    ++i;
  }
  if (i == 0) return bad();
  std::string unit;
  for (char c : text.substr(i)) unit += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  static const std::array<std::pair<const char*, std::uint64_t>, 14> kUnits = {{{"", 1},
                                                                                {"B", 1},
                                                                                {"K", 1ull << 10},
                                                                                {"KIB", 1ull << 10},
                                                                                {"M", 1ull << 20},
                                                                                {"MIB", 1ull << 20},
                                                                                {"G", 1ull << 30},
                                                                                {"GIB", 1ull << 30},
                                                                                {"KB", 1000},
                                                                                {"MB", 1000000},
                                                                                {"GB", 1000000000},
                                                                                {"T", 1ull << 40},
                                                                                {"TIB", 1ull << 40},
                                                                                {"TB", 1000000000000ull}}};
  for (const auto& [name, mult] : kUnits) {
    if (unit == name) {
      if (n > std::numeric_limits<std::uint64_t>::max() / mult) return bad();
      return n * mult;
    }
  }
  return bad();
}

Result<std::chrono::seconds> parse_duration(std::string_view text, std::string_view flag) {
  auto bad = [&] {
    return usage_error(fmt::format(
        "{} '{}' is not a duration: write seconds or a number with s, m, h or d, e.g. 3600, 90m, 12h, 7d", flag, text));
  };
  std::size_t i = 0;
  std::int64_t n = 0;
  constexpr std::int64_t kCap = std::int64_t{1} << 40;  // far beyond any real duration; no overflow below
  for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i)
    if ((n = n * 10 + (text[i] - '0')) > kCap) return bad();
  if (i == 0 || text.size() - i > 1) return bad();
  std::int64_t mult = 1;
  if (i < text.size()) {
    switch (std::tolower(static_cast<unsigned char>(text[i]))) {
      case 's': mult = 1; break;
      case 'm': mult = 60; break;
      case 'h': mult = 3600; break;
      case 'd': mult = 86400; break;
      default: return bad();
    }
  }
  return std::chrono::seconds{n * mult};
}

std::string human_size(std::uint64_t bytes) {
  static constexpr std::array kUnits = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  std::size_t u = 0;
  // 1023.95 and up would print as "1024.0": show the next unit instead ("1.0 MiB").
  while (v >= 1023.95 && u + 1 < kUnits.size()) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", v, kUnits[u]);
}

}  // namespace xship
