// Program headers are read from whatever a build produced: truncated or hostile ELF,
// PE and Mach-O bytes are an error value, never a read past the buffer.
#include <cstddef>
#include <cstdint>
#include <span>

#include "cross/binary_header.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto r = xship::cross::read_binary_header(std::span<const unsigned char>(data, size));
  if (r) (void)xship::cross::describe(*r);
  return 0;
}
