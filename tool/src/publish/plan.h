// What a publish will do, decided before any network: which files, under which keys,
// with which os/arch. Pure apart from reading the directory tree (and git for --untracked).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/file_stamp.h"
#include "core/result.h"
#include "cross/artifact.h"
#include "release/template.h"

namespace xship::publish {

using xship::FileStamp;
using xship::stamp_file;

struct PlannedFile {
  std::string path;  // as found on disk
  std::string relative;  // the part of the key below the destination prefix
  FileStamp stamp;
  std::string os, arch;  // from the seed's NAME.OS.ARCH[.exe][.gz|.zst] naming, or the artifact; may be empty
  std::optional<cross::ArtifactInfo> artifact;  // what `xship build` recorded the file to be
};

// Symlinks met inside a directory: published with their target's bytes under their own
// name (as `tar -h` and `rsync -L` do), or left out (--no-follow-symlinks). A path named
// on the command line is always followed.
enum class Symlinks { Follow, Skip };

struct PlanOptions {
  bool untracked = false;  // also git's untracked, unignored files (--untracked)
  std::string repo_dir = ".";
  Symlinks symlinks = Symlinks::Follow;
};

struct Plan {
  std::vector<PlannedFile> files;
  std::vector<std::string> skipped_links;  // Symlinks::Skip: the links left out, as found
};

// Files are added as themselves (key = base name); directories are walked and their
// files keyed by their own path below the directory, never resolved through a link: every
// relative part is is_clean_relative (s3/location.h). Usage errors: empty directories, missing or
// unreadable paths, symlink loops, dangling links, names with control characters,
// files whose read length is not their size (/proc), two files landing on one key.
Result<Plan> plan_publish(const std::vector<std::string>& paths, const PlanOptions& opts);
// The same with links followed.
Result<std::vector<PlannedFile>> plan_files(const std::vector<std::string>& paths, bool untracked,
                                            const std::string& repo_dir);

// "hello.linux.arm64.gz" -> {"linux", "arm64"}; unknown names give empty strings.
std::pair<std::string, std::string> os_arch_from_name(const std::string& name);

// --job-manifest NAME: the --to placeholders, plus {os} and {arch} from the published files'
// NAME.OS.ARCH names (which must then name exactly one target). The result must be a plain
// file name: letters, digits, '.', '_', '-'. Usage errors name the fix.
Result<std::string> job_manifest_name(const std::string& name_template, const std::vector<PlannedFile>& files,
                                      const BuildInfo& info);

}  // namespace xship::publish
