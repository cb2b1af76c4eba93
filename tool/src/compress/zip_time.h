// libarchive's zip writer stores each entry's DOS date and time through localtime(), so
// the bytes would depend on TZ, and changing TZ is not safe in a process with threads.
// Instead the fields are rewritten as the bytes go out, with the same conversion in UTC.
// Every entry of an xship archive has the one mtime, so one value fits them all.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace xship::compress {

// The 4 bytes libarchive writes (little-endian time, then date) for `t` read as UTC,
// clamped to 1980-01-01 00:00:00 .. 2107-12-31 23:59:58 as libarchive clamps.
std::uint32_t dos_time_utc(std::int64_t t);

class ZipTimeFix {
 public:
  explicit ZipTimeFix(std::int64_t mtime) : value_(dos_time_utc(mtime)) {}
  // A local file header starts at `offset` of the output (its time field is at +10).
  void local_header_at(std::uint64_t offset) { fields_.push_back(offset + 10); }
  // The central directory starts at `offset`: from there bytes are held back until finish().
  void central_directory_at(std::uint64_t offset) { cd_start_ = offset; }
  // The next `n` bytes of output, patched; what to write now (the part before the
  // central directory).
  std::string pass(const std::uint8_t* data, std::size_t n);
  // The central directory, each entry's time field patched.
  std::string finish();

 private:
  void patch(std::string& chunk, std::uint64_t chunk_at, std::uint64_t field) const;

  std::uint32_t value_;
  std::vector<std::uint64_t> fields_;
  std::size_t next_ = 0;  // fields_ before it are already out
  std::uint64_t cd_start_ = UINT64_MAX;
  std::uint64_t pos_ = 0;
  std::string cd_;
};

}  // namespace xship::compress
