#include "core/read_exact.h"

#include <unistd.h>

#include <cerrno>

namespace xship {

bool read_exact(int fd, std::uint64_t offset, std::span<char> out) {
  std::size_t got = 0;
  while (got < out.size()) {
    ssize_t n = pread(fd, out.data() + got, out.size() - got, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) errno = EIO;  // the file is shorter than its caller knows it to be
    if (n <= 0) return false;
    got += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace xship
