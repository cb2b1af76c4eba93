// Sizes on the command line ("8MiB", "16M", "5242880") and in reports ("1.5 MiB").
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace xship {

// K/M/G, KiB/MiB/GiB are powers of 1024; KB/MB/GB powers of 1000; no suffix = bytes.
Result<std::uint64_t> parse_size(std::string_view text, std::string_view flag);
std::string human_size(std::uint64_t bytes);

}  // namespace xship
