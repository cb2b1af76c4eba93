// The zip DOS times: UTC whatever TZ says, rewritten in the stream libarchive writes.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "compress/zip_time.h"

using namespace xship::compress;

namespace {

std::string le32(std::uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

// A central directory header for `name`: "PK\1\2", time at +12, name length at +28.
std::string cd_header(const std::string& name, std::uint32_t time) {
  std::string h = "PK\x01\x02" + std::string(8, 'v') + le32(time) + std::string(12, 'x');
  h += static_cast<char>(name.size());
  h += '\0';
  h += std::string(16, '\0');  // extra and comment lengths 0, then the rest of the 46 bytes
  EXPECT_EQ(h.size(), 46u);
  return h + name;
}

}  // namespace

TEST(ZipTime, DosTimeIsUtcAndClampedLikeLibarchive) {
  // 2023-11-14 22:13:20 UTC: date (43 << 9 | 11 << 5 | 14), time (22 << 11 | 13 << 5 | 10).
  EXPECT_EQ(dos_time_utc(1700000000), 0x576EB1AAu);
  EXPECT_EQ(dos_time_utc(1700000001), 0x576EB1AAu) << "two-second resolution";
  EXPECT_EQ(dos_time_utc(0), 0x00210000u) << "before 1980: 1980-01-01 00:00:00";
  EXPECT_EQ(dos_time_utc(5000000000), 0xff9fbf7du) << "after 2107: 2107-12-31 23:59:58";
}

TEST(ZipTime, FieldsAreRewrittenAcrossChunkBoundaries) {
  const std::uint32_t local = 0x11223344;  // what localtime() gave
  std::string header = "PK\x03\x04" + std::string(6, 'h') + le32(local) + std::string(16, 'h');
  std::string stream = "ab" + header + "DATA" + header + "DATA";
  std::uint64_t cd_at = stream.size();
  std::string cd = cd_header("one", local) + cd_header("two", local);
  std::string end = "PK\x05\x06" + le32(local) + "tail";
  stream += cd + end;

  ZipTimeFix fix(1700000000);
  fix.local_header_at(2);
  fix.local_header_at(2 + header.size() + 4);
  fix.central_directory_at(cd_at);
  std::string out;
  for (std::size_t i = 0; i < stream.size(); i += 3)  // 3-byte chunks: every field straddles one
    out +=
        fix.pass(reinterpret_cast<const std::uint8_t*>(stream.data() + i), std::min<std::size_t>(3, stream.size() - i));
  EXPECT_EQ(out.size(), cd_at) << "the central directory is held back";
  out += fix.finish();

  const std::string utc = le32(0x576EB1AA);
  std::string want = stream;
  want.replace(2 + 10, 4, utc);
  want.replace(2 + header.size() + 4 + 10, 4, utc);
  want.replace(cd_at + 12, 4, utc);
  want.replace(cd_at + 46 + 3 + 12, 4, utc);
  EXPECT_EQ(out, want) << "only the four time fields change; the end record is left alone";
}
