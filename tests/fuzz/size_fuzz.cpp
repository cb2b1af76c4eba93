// --part-size / --multipart-threshold text: any string is either a size or a one-line
// usage error, never a wrapped-around number.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/units.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto r = xship::parse_size(text, "--part-size");
  if (!r) {
    if (r.error().message.find('\n') != std::string::npos && text.find('\n') == std::string_view::npos) std::abort();
    return 0;
  }
  // Plain digits mean bytes: the value must read back as the same decimal number.
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos) {
    std::string digits(text.substr(std::min(text.find_first_not_of('0'), text.size())));
    if ((digits.empty() ? std::string("0") : digits) != std::to_string(*r)) std::abort();
  }
  (void)xship::human_size(*r);
  return 0;
}
