// A time as UTC text: the one strftime for the {date} placeholder and credential expiries,
// and how far ahead a time read from outside may lie.
#pragma once
#include <chrono>
#include <string>

namespace xship {

// The last year a time read from outside (a credential's expiry, a store's Date) may name:
// system_clock counts nanoseconds from 1970, which overflow in 2262.
inline constexpr int kLastReadableYear = 2200;

// strftime's `format` (at most 63 characters of output) over `t` in UTC, whatever TZ says.
std::string format_utc(std::chrono::system_clock::time_point t, const char* format);

}  // namespace xship
