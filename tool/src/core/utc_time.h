// A time as UTC text: the one strftime for the {date} placeholder and credential expiries.
#pragma once
#include <chrono>
#include <string>

namespace xship {

// strftime's `format` (at most 63 characters of output) over `t` in UTC, whatever TZ says.
std::string format_utc(std::chrono::system_clock::time_point t, const char* format);

}  // namespace xship
