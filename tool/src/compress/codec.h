// gzip and zstd as streams: bytes go in through write(), compressed bytes come out, in
// order, through a sink called on the writer's thread. The output depends only on the
// input, the format and the level — never on --threads or on how the input was split
// into write() calls — so a release built twice is byte-identical.
// codec.cpp is the only file that includes zlib.h, zstd.h or libdeflate.h.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "core/result.h"

namespace xship::compress {

enum class Format { Gzip, Zstd };

// "gz"/"gzip" and "zst"/"zstd"; nullopt for anything else.
std::optional<Format> parse_format(std::string_view name);
const char* format_name(Format f);  // "gz", "zst"
const char* extension(Format f);  // ".gz", ".zst"
int default_level(Format f);  // 6, 3
int min_level(Format f);
int max_level(Format f);
// A Usage error naming the valid range when `level` (0 = default) is outside it.
Status check_level(Format f, int level);

// Receives compressed (or, when decompressing, plain) bytes in order.
using ByteSink = std::function<Status(const std::uint8_t* data, std::size_t n)>;

struct CodecOptions {
  Format format = Format::Gzip;
  int level = 0;  // 0: the format's default
  int threads = 1;  // compression workers; never changes the bytes
  // zstd stores it in the frame header; a different byte count is then an error.
  std::optional<std::uint64_t> content_size;
};

class Compressor {
 public:
  virtual ~Compressor() = default;
  virtual Status write(const std::uint8_t* data, std::size_t n) = 0;
  // Flushes everything (trailer included) to the sink; call once, after the last write.
  virtual Status finish() = 0;
};

Result<std::unique_ptr<Compressor>> make_compressor(const CodecOptions& opts, ByteSink sink);

// Decompresses a whole .gz or .zst file read from `fd` into `out`. Used by --verify, and
// deliberately through zlib's inflate rather than libdeflate, so the check is independent.
Status decompress_fd(Format f, int fd, const ByteSink& out);

// The gzip block size: inputs up to this size are compressed by one thread.
inline constexpr std::size_t kGzipChunk = 1 << 20;

}  // namespace xship::compress
