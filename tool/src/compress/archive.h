// Reproducible release archives (GoReleaser's tar.gz / tar.zst / zip of a program with its
// README and LICENSE) through libarchive: entries sorted by name, one fixed mtime (the
// commit time), uid/gid 0, no user or group names, permissions reduced to 0755/0644, so
// the same files give the same archive bytes on any machine, in any timezone, as any user.
// Symlinks that stay inside the archive are kept as symlinks (a CMake install tree's
// libfoo.so -> libfoo.so.1 -> libfoo.so.1.2.3).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compress/codec.h"
#include "core/result.h"

namespace xship::compress {

enum class ArchiveFormat { TarGz, TarZst, Zip };

// "tar.gz" (or "tgz"), "tar.zst", "zip"; nullopt for anything else.
std::optional<ArchiveFormat> parse_archive_format(std::string_view name);
const char* archive_extension(ArchiveFormat f);  // ".tar.gz", ".tar.zst", ".zip"
// --level of a tar's gzip/zstd stream, or of zip's deflate (1-9); 0 = default.
Status check_archive_level(ArchiveFormat f, int level);

// libarchive is opened on first use (core/dynlib.h). This opens it, so that a missing or
// wrong one is reported before any output file exists.
Status load_libarchive();

struct ArchiveMember {
  std::string name;  // inside the archive, '/'-separated, no trailing slash
  std::string source;  // on disk
  bool directory = false;
  std::string symlink;  // not empty: a symlink entry with this target, relative to its directory
};

// A file is stored under its base name; a directory under its base name with everything
// below it. The result is sorted by name. Missing inputs, special files and two inputs on
// one name are Usage errors. `exclude` (the archive being written, when it sits inside an
// input directory) is left out.
// A symlink inside an input directory whose target, taken relative to the link's
// directory, stays inside that directory and is archived itself (libfoo.so ->
// libfoo.so.1) is stored as a symlink, its text normalised ("./x" -> "x"). Any other
// symlink to a file is stored as the file's bytes; to a directory, or dangling, it is a
// Usage error.
Result<std::vector<ArchiveMember>> plan_archive(const std::vector<std::string>& inputs,
                                                const std::string& exclude = "");

struct ArchiveOptions {
  ArchiveFormat format = ArchiveFormat::TarGz;
  int level = 0;  // of the gzip/zstd stream, or of zip's deflate; 0 = default
  int threads = 1;  // of the tar's outer compressor
  std::int64_t mtime = 0;  // seconds since the epoch, given to every entry
};

// Streams the archive's bytes, in order, to `out`.
Status write_archive(const std::vector<ArchiveMember>& members, const ArchiveOptions& opts, const ByteSink& out);

// What an archive holds, read back through libarchive (for tests and checks).
struct ArchiveListing {
  std::string name;
  bool directory = false;
  unsigned mode = 0;  // permission bits
  std::uint64_t size = 0;
  std::int64_t mtime = 0, uid = -1, gid = -1;
  std::string uname, gname;
  std::string symlink;  // a symlink's target; empty for anything else
  std::string content;  // the file's bytes (archives read back are small)
};
Result<std::vector<ArchiveListing>> list_archive(const std::string& path);

}  // namespace xship::compress
