// Archives made by hand for the extraction tests: raw ustar/pax headers and raw zip
// records, so a test can say anything a hostile archive could (a '..' name, a hard link,
// a FIFO, a size that lies), which a well-behaved writer would refuse to write. Plus a
// snapshot of a directory tree, to show that a refused archive changed nothing.
#pragma once
#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "compress/codec.h"
#include "compress_fixtures.h"

namespace xship::testing_extract {

namespace fs = std::filesystem;

struct TarEntry {
  std::string name;
  char type = '0';  // '0' file, '1' hard link, '2' symlink, '3' char device, '5' directory, '6' FIFO
  std::string data;
  std::string link;
  unsigned mode = 0644;
  std::int64_t mtime = 1700000000;
};

inline void tar_field(std::string& h, std::size_t at, std::size_t width, std::uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*llo", static_cast<int>(width - 1), static_cast<unsigned long long>(v));
  std::memcpy(&h[at], buf, width - 1);
}

// One 512-byte ustar header, names cut at the field's width (a pax record says the rest).
inline std::string tar_header(const std::string& name, char type, std::uint64_t size, const std::string& link,
                              unsigned mode, std::int64_t mtime) {
  std::string h(512, '\0');
  std::memcpy(&h[0], name.data(), std::min<std::size_t>(name.size(), 100));
  tar_field(h, 100, 8, mode);
  tar_field(h, 108, 8, 0);
  tar_field(h, 116, 8, 0);
  tar_field(h, 124, 12, size);
  tar_field(h, 136, 12, static_cast<std::uint64_t>(mtime));
  h[156] = type;
  std::memcpy(&h[157], link.data(), std::min<std::size_t>(link.size(), 100));
  std::memcpy(&h[257],
              "ustar\0"
              "00",
              8);
  std::memset(&h[148], ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  char buf[8];
  std::snprintf(buf, sizeof buf, "%06o", sum);
  std::memcpy(&h[148], buf, 7);
  return h;
}

inline void tar_data(std::string& out, const std::string& data) {
  out += data;
  out.append((512 - data.size() % 512) % 512, '\0');
}

// "NN key=value\n", NN counting itself.
inline std::string pax_record(const std::string& key, const std::string& value) {
  std::string body = " " + key + "=" + value + "\n";
  std::size_t n = body.size() + 1;
  while (std::to_string(n).size() + body.size() != n) ++n;
  return std::to_string(n) + body;
}

inline std::string tar_bytes(const std::vector<TarEntry>& entries) {
  std::string out;
  for (const auto& e : entries) {
    std::string pax;
    bool ascii = std::all_of(e.name.begin(), e.name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (e.name.size() > 100 || !ascii) pax += pax_record("path", e.name);
    if (e.link.size() > 100) pax += pax_record("linkpath", e.link);
    if (!pax.empty()) {
      out += tar_header("PaxHeader", 'x', pax.size(), "", 0644, e.mtime);
      tar_data(out, pax);
    }
    out += tar_header(e.name, e.type, e.data.size(), e.link, e.mode, e.mtime);
    tar_data(out, e.data);
  }
  out.append(1024, '\0');
  return out;
}

inline std::string gzip_bytes(const std::string& raw) {
  std::string out;
  auto c = compress::make_compressor({compress::Format::Gzip, 1, 1, std::nullopt},
                                     [&](const std::uint8_t* d, std::size_t n) {
                                       out.append(reinterpret_cast<const char*>(d), n);
                                       return ok_status();
                                     });
  if (!c) return "";
  (void)(*c)->write(reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size());
  (void)(*c)->finish();
  return out;
}

struct ZipEntry {
  std::string name;
  std::string data;
  unsigned mode = 0100644;  // S_IFREG | 0644; S_IFLNK | 0777 for a symlink (data: the target)
  std::optional<std::uint32_t> declared_size;  // what the headers say the data inflates to
  bool utf8 = false;  // general purpose flag 11: the name is UTF-8
};

inline std::string raw_deflate(const std::string& in) {
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, in.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

inline void le(std::string& s, std::uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) s.push_back(static_cast<char>(v >> (8 * i)));
}

// A zip with deflated entries, Unix modes in the external attributes, sizes in the headers.
inline std::string zip_bytes(const std::vector<ZipEntry>& entries) {
  std::string out, central;
  for (const auto& e : entries) {
    std::string packed = raw_deflate(e.data);
    auto crc = static_cast<std::uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(e.data.data()), static_cast<uInt>(e.data.size())));
    std::uint32_t size = e.declared_size.value_or(static_cast<std::uint32_t>(e.data.size()));
    auto common = [&](std::string& s) {
      le(s, 20, 2), le(s, e.utf8 ? 0x800 : 0, 2), le(s, 8, 2), le(s, 0, 2), le(s, 0x21, 2), le(s, crc, 4);
      le(s, static_cast<std::uint32_t>(packed.size()), 4), le(s, size, 4),
          le(s, static_cast<std::uint32_t>(e.name.size()), 2);
      le(s, 0, 2);
    };
    std::uint32_t offset = static_cast<std::uint32_t>(out.size());
    le(out, 0x04034b50, 4);
    common(out);
    out += e.name + packed;
    le(central, 0x02014b50, 4);
    le(central, 3 << 8 | 20, 2);  // made by Unix: the external attributes hold a mode
    common(central);
    le(central, 0, 2), le(central, 0, 2), le(central, 0, 2), le(central, e.mode << 16, 4), le(central, offset, 4);
    central += e.name;
  }
  std::uint32_t cd_offset = static_cast<std::uint32_t>(out.size());
  out += central;
  le(out, 0x06054b50, 4), le(out, 0, 2), le(out, 0, 2);
  le(out, static_cast<std::uint32_t>(entries.size()), 2), le(out, static_cast<std::uint32_t>(entries.size()), 2);
  le(out, static_cast<std::uint32_t>(central.size()), 4), le(out, cd_offset, 4), le(out, 0, 2);
  return out;
}

using testing_compress::get;
using testing_compress::put;

// Everything below `root`, symlinks not followed: one line per path with its type, mode,
// bytes or target, and a file's or symlink's mtime (not a directory's: extraction makes
// and removes its temporary directory in the destination, which moves its mtime).
inline std::string snapshot(const fs::path& root) {
  std::string out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    struct stat st {};
    lstat(it->path().c_str(), &st);
    out += it->path().lexically_relative(root).string() + " mode=" + std::to_string(st.st_mode);
    if (!S_ISDIR(st.st_mode)) out += " mtime=" + std::to_string(st.st_mtime);
    if (S_ISLNK(st.st_mode)) out += " -> " + fs::read_symlink(it->path()).string();
    if (S_ISREG(st.st_mode)) out += " bytes=" + get(it->path().string());
    out += "\n";
  }
  return out;
}

}  // namespace xship::testing_extract
