#include "core/closest.h"

#include <algorithm>
#include <vector>

namespace xship {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::optional<std::string> closest_match(std::string_view name, std::span<const std::string> candidates,
                                         std::size_t max_distance) {
  std::optional<std::string> best;
  std::size_t best_d = max_distance;
  for (const auto& c : candidates)
    if (auto d = edit_distance(name, c); d < best_d) best = c, best_d = d;
  return best;
}

}  // namespace xship
