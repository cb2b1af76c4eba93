// Writing each built target's release into dist: its stage (programs, README, LICENSE, or
// an install tree) as one reproducible archive named as GoReleaser names them,
// NAME_VERSION_OS_ARCH.tar.gz (.zip on windows); or, for a program shipped alone, the
// program itself as dist/NAME.OS.ARCH[.exe], compressed on request. Every file written has
// its digests and what it is, holds and needs (cross/artifact.h) recorded in the digest
// cache, which `xship publish` reads into manifest.json.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compress/codec.h"
#include "compress/digest_cache.h"
#include "core/result.h"
#include "cross/builder.h"

namespace xship::release {

enum class ArchiveChoice {
  Auto,  // archives when the release is more than one program (several, files, an install tree)
  None,  // each program alone: dist/PROG.OS.ARCH[.exe]
  TarGz,
  TarZst,
  Zip,
};
// "auto", "none", "tar.gz" (or "tgz"), "tar.zst", "zip"; a Usage error naming them otherwise.
Result<ArchiveChoice> parse_archive_choice(std::string_view text);

inline constexpr const char* kDefaultArchiveName = "{name}_{version}_{os}_{arch}";

struct PackageOptions {
  std::string out_dir = "dist";
  std::string name;  // {name}
  cross::Stamp stamp;  // {version}, {commit}; the archive entries' mtime
  ArchiveChoice archive = ArchiveChoice::Auto;
  std::string name_template = kDefaultArchiveName;
  std::optional<compress::Format> format;  // single programs: gz or zst
  int threads = 1;
};

// What Auto means for this request, and the checks that need no build: a template that
// gives no plain file name, --files or --install with --archive none.
Result<ArchiveChoice> resolve_archive(const PackageOptions& o, const cross::BuildRequest& req);

// "v1.2.3" -> "1.2.3" (GoReleaser's {{.Version}}); anything else as it is.
std::string release_version(const std::string& version);

// The archive's file name before its extension: the template with {name} {version} {os}
// {arch} {commit} {short_commit} filled in. A Usage error when the result is not a plain
// file name (letters, digits, '.', '_', '-', '+', '~').
Result<std::string> archive_basename(const std::string& tmpl, const std::string& name, const cross::Stamp& stamp,
                                     cross::Target t);

// Writes the release of every target that built (failed ones are left alone), filling
// each result's output, outputs and size. `choice` comes from resolve_archive.
Status package(std::vector<cross::TargetResult>& results, const PackageOptions& o, ArchiveChoice choice,
               compress::DigestCache& cache);

}  // namespace xship::release
