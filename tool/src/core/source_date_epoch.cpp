#include "core/source_date_epoch.h"

#include <fmt/format.h>

#include <charconv>
#include <string>

namespace xship {

namespace {

// The value as typed, safe for a one-line message (control bytes shown as '?').
std::string printable(std::string_view text) {
  std::string out(text.substr(0, 64));
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return text.size() > 64 ? out + "..." : out;
}

constexpr const char* kFix =
    "set it to whole seconds since 1970 in digits only, as `date +%s` prints them, or unset it";

}  // namespace

Result<std::int64_t> parse_source_date_epoch(std::string_view text) {
  if (text.empty()) return usage_error(fmt::format("SOURCE_DATE_EPOCH is empty: {}", kFix));
  // from_chars alone would take a leading '-'; the specification allows digits only.
  for (char c : text)
    if (c < '0' || c > '9')
      return usage_error(fmt::format("SOURCE_DATE_EPOCH='{}' is not a number of seconds: {}", printable(text), kFix));
  std::int64_t v = 0;
  if (std::from_chars(text.data(), text.data() + text.size(), v).ec != std::errc())  // digits only: too many of them
    return usage_error(fmt::format("SOURCE_DATE_EPOCH='{}' is too large for a time: {}", printable(text), kFix));
  return v;
}

}  // namespace xship
