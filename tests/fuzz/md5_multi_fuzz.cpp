// Multi-buffer MD5 against OpenSSL: the input names a few slices of itself (any length,
// any offset, overlapping), and every path this CPU runs must give OpenSSL's digest for
// each. The first byte says how many slices (1 to 40, so lanes run dry at different
// blocks and more inputs than lanes queue), then 4 bytes per slice: start and length.
// The streaming lanes (Md5Lanes) get the same slices in chunks whose length the input's
// size picks, so chunks straddle block boundaries in every way.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>
#include <vector>

#include "digest/md5_lanes.h"
#include "digest/md5_multi.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace xship::digest;
  if (size < 1) return 0;
  std::size_t count = data[0] % 40 + 1, header = 1 + 4 * count;
  if (size < header) return 0;
  auto body = std::as_bytes(std::span(data + header, size - header));
  std::vector<std::span<const std::byte>> inputs;
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint8_t* h = data + 1 + 4 * i;
    std::size_t start = (h[0] | h[1] << 8) % (body.size() + 1);
    std::size_t length = (h[2] | h[3] << 8) % (body.size() - start + 1);
    inputs.push_back(body.subspan(start, length));
  }
  std::vector<Md5> want;
  for (auto in : inputs) want.push_back(md5(std::string_view(reinterpret_cast<const char*>(in.data()), in.size())));
  const std::size_t chunk = size % 509 + 1;
  for (Md5Path path : md5_paths()) {
    auto got = md5_many(inputs, path);
    if (!got || *got != want) std::abort();
    auto lanes = Md5Lanes::with_path(count, path);
    if (!lanes) std::abort();
    for (std::size_t at = 0;; at += chunk) {
      bool more = false;
      std::vector<std::span<const std::byte>> chunks;
      for (auto in : inputs) {
        chunks.push_back(at < in.size() ? in.subspan(at, std::min(chunk, in.size() - at)) : in.subspan(0, 0));
        more = more || at + chunk < in.size();
      }
      lanes->update(chunks);
      if (!more) break;
    }
    if (lanes->finish() != want) std::abort();
  }
  return 0;
}
