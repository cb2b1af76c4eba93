// Sizes on the command line ("8MiB", "16M", "5242880") and in reports ("1.5 MiB"), and
// durations on the command line ("3600", "90m", "12h", "7d").
#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace xship {

// K/M/G, KiB/MiB/GiB are powers of 1024; KB/MB/GB powers of 1000; no suffix = bytes.
Result<std::uint64_t> parse_size(std::string_view text, std::string_view flag);
std::string human_size(std::uint64_t bytes);

// s, m, h, d (any case); no suffix = seconds. Usage error naming the flag otherwise.
Result<std::chrono::seconds> parse_duration(std::string_view text, std::string_view flag);

}  // namespace xship
