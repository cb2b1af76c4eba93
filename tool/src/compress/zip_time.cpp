#include "compress/zip_time.h"

#include <ctime>

namespace xship::compress {

std::uint32_t dos_time_utc(std::int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  if (tm.tm_year < 1980 - 1900) return 0x00210000u;
  if (tm.tm_year > 2107 - 1900) return 0xff9fbf7du;
  std::uint32_t date = (static_cast<std::uint32_t>(tm.tm_year - 80) & 0x7f) << 9 |
                       (static_cast<std::uint32_t>(tm.tm_mon + 1) & 0x0f) << 5 |
                       (static_cast<std::uint32_t>(tm.tm_mday) & 0x1f);
  std::uint32_t time = (static_cast<std::uint32_t>(tm.tm_hour) & 0x1f) << 11 |
                       (static_cast<std::uint32_t>(tm.tm_min) & 0x3f) << 5 |
                       (static_cast<std::uint32_t>(tm.tm_sec) & 0x3e) >> 1;
  return date << 16 | time;
}

void ZipTimeFix::patch(std::string& chunk, std::uint64_t chunk_at, std::uint64_t field) const {
  for (std::uint64_t i = 0; i < 4; ++i) {
    std::uint64_t at = field + i;
    if (at >= chunk_at && at < chunk_at + chunk.size())
      chunk[at - chunk_at] = static_cast<char>((value_ >> (8 * i)) & 0xff);
  }
}

std::string ZipTimeFix::pass(const std::uint8_t* data, std::size_t n) {
  std::string chunk(reinterpret_cast<const char*>(data), n);
  for (std::size_t i = next_; i < fields_.size() && fields_[i] < pos_ + n; ++i) patch(chunk, pos_, fields_[i]);
  while (next_ < fields_.size() && fields_[next_] + 4 <= pos_ + n) ++next_;  // fields are in order
  std::uint64_t at = pos_;
  pos_ += n;
  if (pos_ <= cd_start_) return chunk;
  std::size_t keep = at >= cd_start_ ? 0 : static_cast<std::size_t>(cd_start_ - at);
  cd_.append(chunk, keep);
  chunk.resize(keep);
  return chunk;
}

std::string ZipTimeFix::finish() {
  // Central directory headers: "PK\1\2", 46 bytes, then the name, extra field and comment
  // (lengths at +28, +30, +32); the time field is at +12. The end records follow.
  auto le16 = [&](std::size_t at) {
    return static_cast<std::size_t>(static_cast<unsigned char>(cd_[at])) |
           static_cast<std::size_t>(static_cast<unsigned char>(cd_[at + 1])) << 8;
  };
  std::size_t at = 0;
  while (at + 46 <= cd_.size() && cd_.compare(at, 4, "PK\x01\x02") == 0) {
    patch(cd_, 0, at + 12);
    at += 46 + le16(at + 28) + le16(at + 30) + le16(at + 32);
  }
  return std::move(cd_);
}

}  // namespace xship::compress
