// Checked reads from an untrusted program file, shared by the ELF and PE halves of
// binary_deps: a Region is a byte range known to lie inside the file, and every field is
// read through one, so no offset from the file is used before it is checked.
#pragma once
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>

#include "core/result.h"
#include "cross/binary_deps.h"

namespace xship::cross::bytes {

// [offset, offset + size) inside the file.
struct Region {
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
};

class Reader {
 public:
  Reader(std::span<const unsigned char> file, bool little, const char* format)
      : file_(file), little_(little), format_(format) {}

  std::uint64_t file_size() const { return file_.size(); }
  const char* format() const { return format_; }

  bool fits(std::uint64_t offset, std::uint64_t size) const {
    return offset <= file_.size() && size <= file_.size() - offset;
  }
  // The range, or an Integrity error naming `what` when it runs past the end of the file.
  Result<Region> region(std::uint64_t offset, std::uint64_t size, const char* what) const {
    if (!fits(offset, size))
      return integrity_error(
          fmt::format("{}: the {} (offset {:#x}, {} bytes) runs past the end of the file ({} bytes): "
                      "the program is damaged or cut short",
                      format_, what, offset, size, file_.size()));
    return Region{offset, size};
  }
  // Bytes [at, at + size) of `r`, or an Integrity error naming `what`.
  Result<Region> sub(Region r, std::uint64_t at, std::uint64_t size, const char* what) const {
    if (at > r.size || size > r.size - at)
      return integrity_error(
          fmt::format("{}: the {} (at {:#x}, {} bytes) lies outside its table ({} bytes at {:#x}): "
                      "the program is damaged",
                      format_, what, at, size, r.size, r.offset));
    return Region{r.offset + at, size};
  }

  // Fixed-size fields at `at` inside `r`; the caller has checked that they fit (sub()).
  std::uint64_t u8(Region r, std::uint64_t at) const { return file_[r.offset + at]; }
  std::uint64_t u16(Region r, std::uint64_t at) const {
    std::uint64_t a = u8(r, at), b = u8(r, at + 1);
    return little_ ? a | b << 8 : a << 8 | b;
  }
  std::uint64_t u32(Region r, std::uint64_t at) const {
    std::uint64_t a = u16(r, at), b = u16(r, at + 2);
    return little_ ? a | b << 16 : a << 16 | b;
  }
  std::uint64_t u64(Region r, std::uint64_t at) const {
    std::uint64_t a = u32(r, at), b = u32(r, at + 4);
    return little_ ? a | b << 32 : a << 32 | b;
  }

  // Each name costs its bytes plus this, so many empty or one-byte names are bounded too.
  static constexpr std::uint64_t kNameOverhead = 32;

  // A NUL-terminated name starting `at` bytes into `table`: it must end inside the table,
  // be at most kMaxNameBytes and be printable ASCII. Counts against kMaxNameTotalBytes.
  Result<std::string> name(Region table, std::uint64_t at, const char* what) {
    if (at >= table.size)
      return integrity_error(
          fmt::format("{}: a {} name at {:#x} lies past the end of its string table ({} bytes): "
                      "the program is damaged",
                      format_, what, at, table.size));
    std::uint64_t limit = std::min<std::uint64_t>(table.size - at, kMaxNameBytes + 1);
    const unsigned char* start = file_.data() + table.offset + at;
    std::uint64_t n = 0;
    for (; n < limit && start[n] != 0; ++n)
      if (start[n] < 0x20 || start[n] > 0x7E)
        return integrity_error(
            fmt::format("{}: a {} name at {:#x} holds the byte {:#04x} (not printable ASCII): "
                        "the program is damaged or not a real program",
                        format_, what, at, start[n]));
    if (n == limit)
      return integrity_error(fmt::format(
          "{}: a {} name at {:#x} is not NUL-terminated within {} bytes of its table: the program is damaged", format_,
          what, at, limit));
    if (n + kNameOverhead > names_left_)
      return integrity_error(
          fmt::format("{}: the names in the file add up to more than {} MiB: the program is "
                      "damaged or hostile",
                      format_, kMaxNameTotalBytes >> 20));
    names_left_ -= n + kNameOverhead;
    return std::string(reinterpret_cast<const char*>(start), n);
  }

 private:
  std::span<const unsigned char> file_;
  bool little_;
  const char* format_;
  std::uint64_t names_left_ = kMaxNameTotalBytes;
};

}  // namespace xship::cross::bytes
