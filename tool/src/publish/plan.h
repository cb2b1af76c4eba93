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

namespace xship::publish {

using xship::FileStamp;
using xship::stamp_file;

struct PlannedFile {
  std::string path;      // as found on disk
  std::string relative;  // the part of the key below the destination prefix
  FileStamp stamp;
  std::string os, arch;  // from the seed's NAME.OS.ARCH[.exe][.gz|.zst] naming, or the artifact; may be empty
  std::optional<cross::ArtifactInfo> artifact;  // what `xship build` recorded the file to be
};

// Files are added as themselves (key = base name); directories are walked and their
// files keyed relative to the directory. Empty directories, missing or unreadable paths
// and two files landing on the same key are Usage errors.
Result<std::vector<PlannedFile>> plan_files(const std::vector<std::string>& paths, bool untracked,
                                            const std::string& repo_dir);

// "hello.linux.arm64.gz" -> {"linux", "arm64"}; unknown names give empty strings.
std::pair<std::string, std::string> os_arch_from_name(const std::string& name);

}  // namespace xship::publish
