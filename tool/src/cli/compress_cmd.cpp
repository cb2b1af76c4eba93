// `xship compress [--format gz|zst] [--level N] [--threads N] [--keep] [--force] [--verify] FILE...`
// and `xship compress --archive tar.gz|tar.zst|zip NAME FILE...`.
#include <fmt/format.h>

#include <csignal>
#include <filesystem>
#include <set>

#include "cli/commands.h"
#include "cli/connection.h"
#include "compress/compress.h"
#include "core/env.h"
#include "core/terminal.h"
#include "core/units.h"

namespace fs = std::filesystem;

namespace xship::cli {

namespace {

void report(const compress::Written& w) {
  if (!w.input.empty()) {
    double pct = w.input_size ? 100.0 * double(w.digests.bytes) / double(w.input_size) : 100.0;
    fmt::print("compressed {}  {} -> {} ({:.1f}%)  sha256 {}\n", printable(w.output), human_size(w.input_size),
               human_size(w.digests.bytes), pct, digest::hex(w.digests.sha256));
  } else {
    fmt::print("archived {}  {}  sha256 {}\n", printable(w.output), human_size(w.digests.bytes),
               digest::hex(w.digests.sha256));
  }
  if (!w.cache_warning.empty()) fmt::print(stderr, "xship: warning: {}\n", printable(w.cache_warning));
}

Status run_archive(const std::vector<std::string>& files, const std::string& archive_format, bool format_given,
                   const compress::CompressOptions& o, compress::DigestCache& cache) {
  auto af = compress::parse_archive_format(archive_format);
  if (!af) return usage_error(fmt::format("unknown archive format '{}': use tar.gz, tar.zst or zip", archive_format));
  if (format_given)
    return usage_error("--format does not apply to --archive: the archive format says it (tar.gz, tar.zst, zip)");
  if (o.verify)
    return usage_error(
        "--verify checks FILE.gz/FILE.zst outputs, not archives: drop it, or list the archive with tar/unzip");
  XSHIP_TRY(compress::check_archive_level(*af, o.level));
  if (files.size() < 2)
    return usage_error("--archive needs a name and files: xship compress --archive FORMAT NAME FILE...");
  auto mtime = compress::reproducible_mtime(process_env());
  if (!mtime) return mtime.error();
  compress::ArchiveOptions ao{*af, o.level, o.threads, *mtime};
  auto w = compress::create_archive(files[0], {files.begin() + 1, files.end()}, ao, o.force, &cache);
  if (!w) return w.error();
  report(*w);
  return ok_status();
}

Status run_files(const std::vector<std::string>& files, const std::string& format, compress::CompressOptions o,
                 compress::DigestCache& cache) {
  auto f = compress::parse_format(format);
  if (!f) return usage_error(fmt::format("unknown format '{}': use --format gz or --format zst", format));
  o.format = *f;
  XSHIP_TRY(compress::check_level(o.format, o.level));
  if (files.empty()) return usage_error("nothing to compress: xship compress [--format gz|zst] FILE...");
  // Every input is checked before the first is touched, so bad input changes nothing.
  std::set<std::string> seen;
  for (const auto& path : files) {
    XSHIP_TRY(compress::check_input(path, o));
    std::error_code ec;
    if (!seen.insert(fs::weakly_canonical(path, ec).string()).second)
      return usage_error(fmt::format("'{}' is given twice: name each file once", path));
  }
  for (const auto& path : files) {
    auto w = compress::compress_file(path, o, &cache);
    if (!w) return w.error();
    report(*w);
  }
  return ok_status();
}

}  // namespace

Status run_compress(int argc, char** argv) {
  CLI::App app{
      "Compress files to FILE.gz / FILE.zst (reproducible, multi-threaded, hashed for publish), or bundle them into an "
      "archive.",
      "compress"};
  std::vector<std::string> files;
  std::string format = "gz", archive_format;
  compress::CompressOptions o;
  o.threads = compress::default_threads();
  app.add_option("files", files, "Files to compress; with --archive: NAME, then the files and directories to bundle");
  app.add_option("--format", format, "gz or zst")->capture_default_str();
  app.add_option("--level", o.level, "Compression level (gz 1-12, default 6; zst 1-22, default 3)");
  app.add_option("--threads", o.threads, "Compression threads (the output is the same for any value)")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_flag("-k,--keep", o.keep, "Keep the input file (it is removed otherwise, as gzip does)");
  app.add_flag("-f,--force", o.force, "Replace an existing output file");
  app.add_flag("--verify", o.verify, "Decompress the result and check it against the input before keeping it");
  app.add_option("--archive", archive_format, "tar.gz, tar.zst or zip: write NAME.<format> holding FILE...");
  auto parsed = parse_args(app, argc, argv);
  if (!parsed) return parsed.error();
  if (!*parsed) return ok_status();
  // An exceeded `ulimit -f` must surface as EFBIG (an error we clean up after), not kill
  // the process with a temporary file left behind.
  std::signal(SIGXFSZ, SIG_IGN);
  compress::DigestCache cache(compress::default_digest_cache_path(process_env()));
  if (!archive_format.empty()) return run_archive(files, archive_format, app.count("--format") > 0, o, cache);
  return run_files(files, format, o, cache);
}

}  // namespace xship::cli
