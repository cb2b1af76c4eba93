#include "compress/compress.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <thread>
#include <cstring>

#include "compress/output.h"
#include "core/cancel.h"
#include "core/unique_fd.h"
#include "process/build_stamp.h"

namespace xship::compress {

int default_threads() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

namespace {

Error interrupted() { return runtime_error("compression interrupted: nothing was written"); }

// Records the output's digests; a cache that cannot be written costs publish a re-read,
// not correctness, so it is reported as a warning rather than failing the compression.
void remember(DigestCache* cache, const AtomicOutput& out, Written& w) {
  w.output = out.path();
  w.digests = out.digests();
  if (!cache) return;
  auto st = cache->record(out.path(), out.stamp(), out.digests().md5, out.digests().sha256);
  if (!st) w.cache_warning = fmt::format("digest cache '{}' not updated: {}", cache->file(), st.error().message);
}

// Decompresses the temporary output and checks it is the input, byte count and SHA-256.
Status verify_output(const AtomicOutput& out, Format f, std::uint64_t size, const digest::Sha256& want) {
  UniqueFd fd(open(out.temp_path().c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd)
    return runtime_error(fmt::format("cannot reopen '{}' to verify it: {}", out.temp_path(), std::strerror(errno)));
  digest::Sha256Stream sha;
  std::uint64_t got = 0;
  Status st = decompress_fd(f, fd.get(), [&](const std::uint8_t* d, std::size_t n) {
    sha.update(d, n);
    got += n;
    return ok_status();
  });
  if (!st)
    return integrity_error(fmt::format("--verify: '{}' does not decompress: {}", out.path(), st.error().message));
  if (got != size || sha.finish() != want)
    return integrity_error(fmt::format(
        "--verify: '{}' decompresses to different bytes than its input: it was not kept (please report this)",
        out.path()));
  return ok_status();
}

}  // namespace

Status check_input(const std::string& path, const CompressOptions& o) {
  auto in = open_input(path);
  if (!in) return in.error();
  std::string ext = extension(o.format);
  if (path.size() > ext.size() && path.ends_with(ext))
    return usage_error(fmt::format("'{}' already ends in {}: rename it to compress it again", path, ext));
  std::string output = path + ext;
  if (!o.force && access(output.c_str(), F_OK) == 0)
    return usage_error(fmt::format("'{}' already exists: pass --force to replace it", output));
  return ok_status();
}

Result<Written> compress_file(const std::string& path, const CompressOptions& o, DigestCache* cache) {
  XSHIP_TRY(check_input(path, o));
  auto in = open_input(path);
  if (!in) return in.error();
  const struct stat before_st = (*in)->st;
  const auto before = stamp_of(before_st);

  auto out = AtomicOutput::create(path + extension(o.format), o.force, (*in)->st.st_mode);
  if (!out) return out.error();
  AtomicOutput& output = **out;
  CodecOptions co{o.format, o.level, o.threads, before.size};
  auto compressor = make_compressor(co, [&](const std::uint8_t* d, std::size_t n) { return output.write(d, n); });
  if (!compressor) return compressor.error();

  digest::Sha256Stream input_sha;  // only fed with --verify
  std::vector<std::uint8_t> buf(1 << 20);
  std::uint64_t read_bytes = 0;
  for (;;) {
    if (cancel_flag().load()) return interrupted();
    ssize_t n = read((*in)->fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return runtime_error(fmt::format("cannot read '{}': {}", path, std::strerror(errno)));
    if (n == 0) break;
    if (o.verify) input_sha.update(buf.data(), static_cast<std::size_t>(n));
    read_bytes += static_cast<std::uint64_t>(n);
    XSHIP_TRY((*compressor)->write(buf.data(), static_cast<std::size_t>(n)));
  }
  XSHIP_TRY((*compressor)->finish());
  struct stat after {};
  if (fstat((*in)->fd.get(), &after) != 0 || !(stamp_of(after) == before) || read_bytes != before.size)
    return integrity_error(fmt::format("'{}' changed while it was compressed: run again once it is stable", path));

  // The input's times, as gzip keeps them. This also makes the digest cache safe against a
  // rewrite in the same clock tick: the output's mtime is in the past, so any later write
  // to it moves the mtime and the cached digests stop matching.
  XSHIP_TRY(output.set_times(before_st.st_atim, before_st.st_mtim));
  XSHIP_TRY(output.sync());
  if (o.verify) XSHIP_TRY(verify_output(output, o.format, read_bytes, input_sha.finish()));
  if (cancel_flag().load()) return interrupted();
  // The input is removed next: its replacement's name must be on disk first. With --keep a
  // crash can at worst lose the new name, and the input is still there to run again.
  XSHIP_TRY(output.commit(o.keep ? AtomicOutput::Durability::Contents : AtomicOutput::Durability::Name));

  Written w;
  w.input = path;
  w.input_size = read_bytes;
  remember(cache, output, w);
  if (!o.keep && unlink(path.c_str()) != 0)
    return runtime_error(fmt::format("wrote '{}' but cannot remove '{}': {}: remove it yourself or pass --keep",
                                     output.path(), path, std::strerror(errno)));
  return w;
}

std::string archive_output_name(const std::string& name, ArchiveFormat f) {
  std::string ext = archive_extension(f);
  return name.ends_with(ext) ? name : name + ext;
}

Result<Written> create_archive(const std::string& name, const std::vector<std::string>& inputs,
                               const ArchiveOptions& opts, bool force, DigestCache* cache) {
  if (inputs.empty()) return usage_error("an archive needs files: xship compress --archive FORMAT NAME FILE...");
  std::string output = archive_output_name(name, opts.format);
  auto members = plan_archive(inputs, output);
  if (!members) return members.error();
  XSHIP_TRY(load_libarchive());
  auto out = AtomicOutput::create(output, force, 0644);
  if (!out) return out.error();
  XSHIP_TRY(write_archive(*members, opts, [&](const std::uint8_t* d, std::size_t n) -> Status {
    if (cancel_flag().load()) return interrupted();
    return (*out)->write(d, n);
  }));
  XSHIP_TRY((*out)->commit(AtomicOutput::Durability::Contents));
  Written w;
  remember(cache, **out, w);
  return w;
}

Result<std::int64_t> reproducible_mtime(const EnvLookup& env) {
  process::StampRequest req;
  req.need_version = req.need_commit = false;
  if (auto sde = env("SOURCE_DATE_EPOCH")) req.epoch = *sde;
  auto stamp = process::read_build_stamp(req);
  if (!stamp) return stamp.error();
  if (!stamp->epoch)
    return usage_error(
        "archives need a fixed time for their entries: run inside a git checkout with a commit, or set "
        "SOURCE_DATE_EPOCH");
  return *stamp->epoch;
}

}  // namespace xship::compress
