// "Did you mean ...?" for commands and target names: Levenshtein distance over bytes.
#pragma once
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace xship {

std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate nearest to `name`, when it is closer than `max_distance` edits.
std::optional<std::string> closest_match(std::string_view name, std::span<const std::string> candidates,
                                         std::size_t max_distance);

}  // namespace xship
