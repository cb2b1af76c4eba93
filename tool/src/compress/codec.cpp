#include "compress/codec.h"

#include <fmt/format.h>
#include <libdeflate.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "core/thread_pool.h"

namespace xship::compress {

std::optional<Format> parse_format(std::string_view name) {
  if (name == "gz" || name == "gzip") return Format::Gzip;
  if (name == "zst" || name == "zstd") return Format::Zstd;
  return std::nullopt;
}
const char* format_name(Format f) { return f == Format::Gzip ? "gz" : "zst"; }
const char* extension(Format f) { return f == Format::Gzip ? ".gz" : ".zst"; }
int default_level(Format f) { return f == Format::Gzip ? 6 : 3; }
int min_level(Format) { return 1; }
// libdeflate goes past gzip's 9 (10-12: slower, smaller); zstd's 20-22 are its "ultra" levels.
int max_level(Format f) { return f == Format::Gzip ? 12 : ZSTD_maxCLevel(); }
Status check_level(Format f, int level) {
  if (level == 0 || (level >= min_level(f) && level <= max_level(f))) return ok_status();
  return usage_error(
      fmt::format("level {} is out of range for {}: use {} to {}", level, format_name(f), min_level(f), max_level(f)));
}

namespace {

// ---------------------------------------------------------------------------------------
// gzip: pigz's layout with libdeflate's speed. The input is cut into fixed 1 MiB chunks,
// each compressed on its own (no shared dictionary), so chunk N's bytes depend only on
// chunk N and the thread count cannot change the output. libdeflate only writes whole
// streams (last block marked final), so every chunk but the last is made continuable:
// the final bit of its last block is cleared and an empty stored block appended, which
// realigns to a byte boundary (the same marker Z_SYNC_FLUSH writes). The whole is one gzip
// member with one CRC, as gzip -t and gunzip expect. libdeflate measured ~2x zlib's speed
// at level 6 with output no larger (bench/compress_results.md).

// Finds the last block of the raw deflate stream buf[0, len) by walking its blocks with
// zlib's inflate (Z_BLOCK stops at every block boundary, as zlib's examples/gzjoin.c
// does), clears that block's final bit and appends the empty stored block. `expect` is
// the chunk's plain size, checked on the way. False if the stream is not what we made.
bool make_continuable(std::vector<std::uint8_t>& buf, std::size_t& len, std::size_t expect) {
  z_stream s{};
  if (inflateInit2(&s, -15) != Z_OK) return false;
  s.next_in = buf.data();
  s.avail_in = static_cast<uInt>(len);
  std::uint64_t header = 0, end = UINT64_MAX;  // bit positions
  static thread_local std::vector<std::uint8_t> scratch(256 * 1024);
  int ret = Z_OK;
  for (;;) {
    s.next_out = scratch.data();
    s.avail_out = static_cast<uInt>(scratch.size());
    ret = inflate(&s, Z_BLOCK);
    if (ret == Z_STREAM_END) break;
    if (ret != Z_OK) break;
    if (s.data_type & 128) {  // at a block boundary
      std::uint64_t pos = std::uint64_t{s.total_in} * 8 - static_cast<unsigned>(s.data_type & 7);
      if (s.data_type & 64)
        end = pos;  // just after the final block's end-of-block code
      else
        header = pos;  // the next block's header starts here
    }
  }
  bool good = ret == Z_STREAM_END && s.total_out == expect && end != UINT64_MAX && (end + 7) / 8 == len;
  inflateEnd(&s);
  if (!good) return false;
  buf[header >> 3] &= static_cast<std::uint8_t>(~(1u << (header & 7)));
  unsigned used = static_cast<unsigned>(end & 7);  // bits used in the last byte
  if (used) buf[len - 1] &= static_cast<std::uint8_t>((1u << used) - 1);
  // Stored block header (3 zero bits), padding to the byte, then LEN=0 NLEN=0xffff.
  if (used == 0 || used > 5) buf[len++] = 0;
  constexpr std::uint8_t kEmptyStored[] = {0x00, 0x00, 0xff, 0xff};
  for (std::uint8_t b : kEmptyStored) buf[len++] = b;
  return true;
}

struct GzChunk {
  std::vector<std::uint8_t> in, out;
  std::size_t in_len = 0, out_len = 0;
  std::uint32_t crc = 0;
  bool final = false;
  bool done = false;
  std::string error;
};

class GzipCompressor final : public Compressor {
 public:
  GzipCompressor(int level, int threads, ByteSink sink)
      : level_(level),
        max_inflight_(static_cast<std::size_t>(2 * threads + 1)),
        sink_(std::move(sink)),
        pool_(threads) {
    cur_ = new_chunk();
  }
  ~GzipCompressor() override {
    pool_.wait();  // jobs still running refer to this object's members
    for (auto* c : idle_) libdeflate_free_compressor(c);
  }

  Status write(const std::uint8_t* data, std::size_t n) override {
    while (n > 0) {
      std::size_t take = std::min(n, kGzipChunk - cur_->in_len);
      std::memcpy(cur_->in.data() + cur_->in_len, data, take);
      cur_->in_len += take;
      data += take;
      n -= take;
      if (cur_->in_len == kGzipChunk) XSHIP_TRY(submit(false));
    }
    return ok_status();
  }

  Status finish() override {
    // A full last chunk was already sent as continuable: an empty final chunk closes the
    // stream (the chunking, and so the bytes, depend only on the input's length).
    XSHIP_TRY(submit(true));
    while (!inflight_.empty()) XSHIP_TRY(emit_front());
    std::uint8_t trailer[8];
    for (int i = 0; i < 4; ++i) trailer[i] = static_cast<std::uint8_t>(crc_ >> (8 * i));
    for (int i = 0; i < 4; ++i) trailer[4 + i] = static_cast<std::uint8_t>(total_ >> (8 * i));  // ISIZE: mod 2^32
    return sink_(trailer, sizeof trailer);
  }

 private:
  std::shared_ptr<GzChunk> new_chunk() {
    auto c = std::make_shared<GzChunk>();
    if (!spare_.empty()) {
      c->in = std::move(spare_.back().first);
      c->out = std::move(spare_.back().second);
      spare_.pop_back();
    } else {
      c->in.resize(kGzipChunk);
      // libdeflate's worst case (any level), plus room for the 5-byte sync marker.
      c->out.resize(libdeflate_deflate_compress_bound(nullptr, kGzipChunk) + 8);
    }
    return c;
  }

  Status submit(bool final) {
    auto c = std::move(cur_);
    c->final = final;
    {
      std::lock_guard lock(mu_);
      inflight_.push_back(c);
    }
    pool_.post([this, c] { compress_chunk(*c); });
    if (!final) cur_ = new_chunk();
    // Bounded memory: at most 2 chunks per worker (plus one filling) exist at a time.
    while (inflight_.size() >= max_inflight_) XSHIP_TRY(emit_front());
    return ok_status();
  }

  void compress_chunk(GzChunk& c) {
    libdeflate_compressor* comp = nullptr;
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) comp = idle_.back(), idle_.pop_back();
    }
    if (!comp) comp = libdeflate_alloc_compressor(level_);
    std::string err;
    if (!comp) {
      err = "out of memory allocating a deflate compressor";
    } else {
      c.crc = libdeflate_crc32(0, c.in.data(), c.in_len);
      c.out_len = libdeflate_deflate_compress(comp, c.in.data(), c.in_len, c.out.data(), c.out.size() - 8);
      if (c.out_len == 0)
        err = "deflate output did not fit its buffer";
      else if (!c.final && !make_continuable(c.out, c.out_len, c.in_len))
        err = "internal error: could not join deflate blocks (please report it)";
    }
    std::lock_guard lock(mu_);
    if (comp) idle_.push_back(comp);
    c.error = std::move(err);
    c.done = true;
    cv_.notify_all();
  }

  // Writes the oldest chunk once it is compressed: output stays in input order.
  Status emit_front() {
    std::shared_ptr<GzChunk> c;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return inflight_.front()->done; });
      c = inflight_.front();
      inflight_.pop_front();
    }
    if (!c->error.empty()) return runtime_error(c->error);
    if (!header_written_) {
      // No name, mtime 0, OS 3 (Unix) whatever the platform; XFL as gzip sets it.
      std::uint8_t xfl = level_ >= 9 ? 2 : level_ == 1 ? 4 : 0;
      const std::uint8_t header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 3};
      XSHIP_TRY(sink_(header, sizeof header));
      header_written_ = true;
    }
    crc_ = static_cast<std::uint32_t>(crc32_combine(crc_, c->crc, static_cast<z_off_t>(c->in_len)));
    total_ += c->in_len;
    XSHIP_TRY(sink_(c->out.data(), c->out_len));
    spare_.emplace_back(std::move(c->in), std::move(c->out));
    return ok_status();
  }

  int level_;
  std::size_t max_inflight_;
  ByteSink sink_;
  std::shared_ptr<GzChunk> cur_;
  std::vector<std::pair<std::vector<std::uint8_t>, std::vector<std::uint8_t>>> spare_;
  bool header_written_ = false;
  std::uint32_t crc_ = 0;
  std::uint64_t total_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<GzChunk>> inflight_;
  std::vector<libdeflate_compressor*> idle_;
  ThreadPool pool_;  // last: destroyed (joined) first
};

// ---------------------------------------------------------------------------------------
// zstd: always libzstd's worker mode (nbWorkers >= 1). Its jobs are cut by size, not by
// thread count, so 1 worker and 8 give the same frame; the single-thread mode would not.

Error zstd_error(const char* what, std::size_t code) {
  return runtime_error(fmt::format("zstd {} failed: {}", what, ZSTD_getErrorName(code)));
}

class ZstdCompressor final : public Compressor {
 public:
  explicit ZstdCompressor(ByteSink sink) : sink_(std::move(sink)), out_(ZSTD_CStreamOutSize()) {}
  ~ZstdCompressor() override { ZSTD_freeCCtx(cctx_); }

  Status init(const CodecOptions& o, int level) {
    cctx_ = ZSTD_createCCtx();
    if (!cctx_) return runtime_error("out of memory creating a zstd context");
    auto set = [&](ZSTD_cParameter p, int v) { return ZSTD_CCtx_setParameter(cctx_, p, v); };
    for (auto [p, v] : {std::pair{ZSTD_c_compressionLevel, level},
                        {ZSTD_c_checksumFlag, 1},
                        {ZSTD_c_contentSizeFlag, 1},
                        {ZSTD_c_nbWorkers, std::max(1, o.threads)}}) {
      std::size_t r = set(p, v);
      if (ZSTD_isError(r))
        return p == ZSTD_c_nbWorkers
                   ? runtime_error("this libzstd was built without threads: install Debian's libzstd1")
                   : zstd_error("setup", r);
    }
    if (o.content_size) {
      std::size_t r = ZSTD_CCtx_setPledgedSrcSize(cctx_, *o.content_size);
      if (ZSTD_isError(r)) return zstd_error("setup", r);
    }
    return ok_status();
  }

  Status write(const std::uint8_t* data, std::size_t n) override {
    ZSTD_inBuffer in{data, n, 0};
    while (in.pos < in.size) XSHIP_TRY(step(in, ZSTD_e_continue));
    return ok_status();
  }

  Status finish() override {
    ZSTD_inBuffer in{nullptr, 0, 0};
    for (;;) {
      auto left = step(in, ZSTD_e_end);
      if (!left) return left.error();
      if (*left == 0) return ok_status();
    }
  }

 private:
  Result<std::size_t> step(ZSTD_inBuffer& in, ZSTD_EndDirective mode) {
    ZSTD_outBuffer out{out_.data(), out_.size(), 0};
    std::size_t r = ZSTD_compressStream2(cctx_, &out, &in, mode);
    if (ZSTD_isError(r)) {
      if (ZSTD_getErrorCode(r) == ZSTD_error_srcSize_wrong)
        return integrity_error("the input's size changed while it was compressed: run again once it is stable");
      return zstd_error("compression", r);
    }
    if (out.pos) XSHIP_TRY(sink_(out_.data(), out.pos));
    return r;
  }

  ByteSink sink_;
  std::vector<std::uint8_t> out_;
  ZSTD_CCtx* cctx_ = nullptr;
};

// Reads fd to the end in 1 MiB pieces, calling `feed` for each; false on EOF.
template <typename Feed>
Status read_all(int fd, Feed&& feed) {
  std::vector<std::uint8_t> buf(1 << 20);
  for (;;) {
    ssize_t n = read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return runtime_error(fmt::format("read failed: {}", std::strerror(errno)));
    XSHIP_TRY(feed(buf.data(), static_cast<std::size_t>(n)));
    if (n == 0) return ok_status();
  }
}

Status gunzip_fd(int fd, const ByteSink& out) {
  z_stream s{};
  if (inflateInit2(&s, 16 + 15) != Z_OK) return runtime_error("out of memory creating an inflate stream");
  std::vector<std::uint8_t> obuf(1 << 20);
  bool ended = false, any = false;
  auto st = read_all(fd, [&](const std::uint8_t* d, std::size_t n) -> Status {
    if (n == 0) {
      if (!ended) return integrity_error("the gzip stream is truncated");
      return ok_status();
    }
    s.next_in = const_cast<std::uint8_t*>(d);
    s.avail_in = static_cast<uInt>(n);
    while (s.avail_in > 0) {
      if (ended) {  // another member follows (gzip allows concatenation)
        inflateReset(&s);
        ended = false;
      }
      s.next_out = obuf.data();
      s.avail_out = static_cast<uInt>(obuf.size());
      int r = inflate(&s, Z_NO_FLUSH);
      if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR)
        return integrity_error(fmt::format("the gzip stream is corrupt: {}", s.msg ? s.msg : "inflate failed"));
      any = true;
      if (r == Z_STREAM_END) ended = true;
      if (std::size_t got = obuf.size() - s.avail_out) XSHIP_TRY(out(obuf.data(), got));
    }
    return ok_status();
  });
  inflateEnd(&s);
  if (st && !any) return integrity_error("the gzip stream is empty");
  return st;
}

Status unzstd_fd(int fd, const ByteSink& out) {
  ZSTD_DCtx* d = ZSTD_createDCtx();
  if (!d) return runtime_error("out of memory creating a zstd decoder");
  std::vector<std::uint8_t> obuf(ZSTD_DStreamOutSize());
  std::size_t last = 1;  // ZSTD_decompressStream's hint: 0 once a frame is complete
  auto st = read_all(fd, [&](const std::uint8_t* data, std::size_t n) -> Status {
    if (n == 0) return last == 0 ? ok_status() : integrity_error("the zstd stream is truncated");
    ZSTD_inBuffer in{data, n, 0};
    while (in.pos < in.size) {
      ZSTD_outBuffer o{obuf.data(), obuf.size(), 0};
      last = ZSTD_decompressStream(d, &o, &in);
      if (ZSTD_isError(last))
        return integrity_error(fmt::format("the zstd stream is corrupt: {}", ZSTD_getErrorName(last)));
      if (o.pos) XSHIP_TRY(out(obuf.data(), o.pos));
    }
    return ok_status();
  });
  ZSTD_freeDCtx(d);
  return st;
}

}  // namespace

Result<std::unique_ptr<Compressor>> make_compressor(const CodecOptions& opts, ByteSink sink) {
  XSHIP_TRY(check_level(opts.format, opts.level));
  int level = opts.level == 0 ? default_level(opts.format) : opts.level;
  int threads = std::max(1, opts.threads);
  if (opts.format == Format::Gzip)
    return std::unique_ptr<Compressor>(new GzipCompressor(level, threads, std::move(sink)));
  auto z = std::make_unique<ZstdCompressor>(std::move(sink));
  XSHIP_TRY(z->init(opts, level));
  return std::unique_ptr<Compressor>(std::move(z));
}

Status decompress_fd(Format f, int fd, const ByteSink& out) {
  return f == Format::Gzip ? gunzip_fd(fd, out) : unzstd_fd(fd, out);
}

}  // namespace xship::compress
