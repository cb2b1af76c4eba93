// Which paths the source mirror copies (cross/source_mirror.h).
//
// In a git work tree: the files git lists as tracked or untracked-and-not-ignored
// (`git ls-files -z --cached --others --exclude-standard`). What the project's .gitignore
// ignores is what its own build made on the host: a stale lib/lz4.o from a host `make`
// copied into an arm64 mirror would look up to date there and be linked into the arm64
// program. Nested repositories (submodules, untracked checkouts) are listed the same way.
// Outside git, or when git lists nothing (the source is ignored by an enclosing repository,
// e.g. a home directory kept in git), every file under the source.
//
// Never copied: the excluded paths, .git and .xship at any depth, and special files
// (FIFOs, sockets, devices). Symlinks are listed as symlinks, never followed.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "core/result.h"
#include "cross/mirror_state.h"

namespace xship::cross::mirror {

struct SourceTree {
  std::map<std::string, PathStamp> files;  // files and symlinks, by path relative to the source
  std::vector<std::string> dirs;  // without git: every directory, empty ones too
  bool from_git = false;
};

// `source` is canonical; `excluded` are paths relative to it.
Result<SourceTree> list_source(const std::string& source, const std::vector<std::string>& excluded);

}  // namespace xship::cross::mirror
