// Positioned reads that fill the whole buffer: the one pread loop of the tool.
#pragma once
#include <cstdint>
#include <span>

namespace xship {

// Reads out.size() bytes at `offset` (retrying short reads and EINTR). False with errno
// set when the file cannot be read, EIO when it ends before the buffer is full.
bool read_exact(int fd, std::uint64_t offset, std::span<char> out);

}  // namespace xship
