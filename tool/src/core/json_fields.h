// Integer fields of JSON read from a file or a server, checked before use: nlohmann's
// value() and get() throw on a string where a number belongs, and cast numbers that do
// not fit (a uint64 into an int, 2^63 into an int64) without a word.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

namespace xship {

// The object's integer field `name`; nullopt when `j` is not an object, the field is
// missing or not an integer, or its value is out of Int's range.
template <class Int>
std::optional<Int> json_integer(const nlohmann::json& j, const char* name) {
  if (!j.is_object()) return std::nullopt;
  auto it = j.find(name);
  if (it == j.end()) return std::nullopt;
  if (it->is_number_unsigned()) {
    auto v = it->get<std::uint64_t>();
    return std::in_range<Int>(v) ? std::optional<Int>(static_cast<Int>(v)) : std::nullopt;
  }
  if (it->is_number_integer()) {
    auto v = it->get<std::int64_t>();
    return std::in_range<Int>(v) ? std::optional<Int>(static_cast<Int>(v)) : std::nullopt;
  }
  return std::nullopt;
}

}  // namespace xship
