// manifest.json is fetched from the store (fetch --manifest): any bytes either parse into
// entries or are an integrity error; what parses writes back and re-reads the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "release/manifest.h"

using namespace xship::release;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto entries = parse_manifest(text);
  if (!entries) return 0;
  (void)sha256sums(*entries);
  auto again = parse_manifest(manifest_json(*entries, xship::BuildInfo{}));
  if (!again || again->size() != entries->size()) std::abort();
  return 0;
}
