// json_integer: a number only when it is an integer that fits, whatever else the JSON holds.
#include "core/json_fields.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>

using nlohmann::json;
using xship::json_integer;

TEST(JsonInteger, OnlyIntegersThatFit) {
  const json j = json::parse(R"({"one": 1, "neg": -5, "big": 18446744073709551615, "half": 1.5,
                                 "text": "7", "none": null, "list": [1], "int64max": 9223372036854775807})");
  EXPECT_EQ(json_integer<int>(j, "one"), 1);
  EXPECT_EQ(json_integer<std::uint64_t>(j, "one"), 1u);
  EXPECT_EQ(json_integer<std::int64_t>(j, "neg"), -5);
  EXPECT_EQ(json_integer<std::uint64_t>(j, "neg"), std::nullopt);  // not wrapped to 2^64 - 5
  EXPECT_EQ(json_integer<std::uint64_t>(j, "big"), UINT64_MAX);
  EXPECT_EQ(json_integer<std::int64_t>(j, "big"), std::nullopt);  // not -1
  EXPECT_EQ(json_integer<int>(j, "int64max"), std::nullopt);  // not truncated
  EXPECT_EQ(json_integer<std::int64_t>(j, "int64max"), INT64_MAX);
  for (const char* name : {"half", "text", "none", "list", "missing"})
    EXPECT_EQ(json_integer<int>(j, name), std::nullopt) << name;
  EXPECT_EQ(json_integer<int>(json::array({1}), "one"), std::nullopt);  // not an object
  EXPECT_EQ(json_integer<int>(json("one"), "one"), std::nullopt);
}
