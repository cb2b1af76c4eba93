// `xship compress` as library calls: FILE -> FILE.gz/.zst, and reproducible archives.
// Each output is written whole or not at all (AtomicOutput), its MD5 and SHA-256 taken
// while it is written and recorded in the digest cache for `xship publish`.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "compress/archive.h"
#include "compress/codec.h"
#include "compress/digest_cache.h"
#include "core/env.h"
#include "core/result.h"
#include "digest/digest.h"

namespace xship::compress {

// One thread per CPU: what `xship compress` and `xship build --format` use unless told.
int default_threads();

struct CompressOptions {
  Format format = Format::Gzip;
  int level = 0;  // 0: the format's default
  int threads = 1;
  bool keep = false;  // keep the input (gzip -k)
  bool force = false;  // replace an existing output
  bool verify = false;  // decompress the result and compare with the input before keeping it
};

struct Written {
  std::string input;  // empty for an archive
  std::string output;
  std::uint64_t input_size = 0;
  digest::FileDigests digests;  // of the output
  std::string cache_warning;  // set when the digest cache could not be updated
};

// Checks, before anything is written, what would make compress_file() fail as a usage
// error: a missing, unreadable or non-regular input, an input that already has the
// format's extension, an existing output without --force.
Status check_input(const std::string& path, const CompressOptions& o);

// Compresses `path` into path + ".gz"/".zst". On any error the input is untouched and no
// output (not even a temporary file) is left. `cache` may be null.
Result<Written> compress_file(const std::string& path, const CompressOptions& o, DigestCache* cache);

// NAME plus the format's extension, unless NAME already ends with it.
std::string archive_output_name(const std::string& name, ArchiveFormat f);

// Writes the archive of `inputs` to archive_output_name(name, format).
Result<Written> create_archive(const std::string& name, const std::vector<std::string>& inputs,
                               const ArchiveOptions& opts, bool force, DigestCache* cache);

// The time every archive entry gets: SOURCE_DATE_EPOCH when set, else the commit time of
// HEAD in the current directory (process/build_stamp.h); a Usage error when neither is
// known, or when SOURCE_DATE_EPOCH is set but not a time.
Result<std::int64_t> reproducible_mtime(const EnvLookup& env);

}  // namespace xship::compress
