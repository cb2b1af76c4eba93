// A per-target copy of the project's sources. Most C projects' Makefiles build in the
// source tree (objects next to sources); targets built at once would race on the same .o
// files and link each other's objects. Each target builds in its own copy instead,
// build/xship/OS_ARCH/src, refreshed incrementally before each build.
//
// Copies, never hard links: a build that rewrites a file in place (configure patching a
// shipped file, `cp` over a generated one, a compiler writing over a stale shipped .o)
// must never write into the user's sources. A copy-on-write clone where the filesystem
// has them (btrfs, xfs), else an in-kernel copy. Symlinks are made again with the same
// text, also those pointing outside the tree (/opt/sdk/include): that is the link the
// project's own in-tree build would follow, where copying its target instead could copy
// half the system. A relative link resolves inside the mirror: to the mirror's copy when
// it stays in the tree; one climbing out of it (../common) misses, as does a Makefile's own
// -I../common: a project that reaches outside its directory is mirrored from the top of it.
//
// What a refresh does with each path (state kept beside the mirror, cross/mirror_state.h):
//  - a new source file: copied (over whatever the build made at that path);
//  - a source file changed (size, mtime, mode, inode or ctime): copied again, also over a
//    copy the build changed: the user's edit is newer, as in an in-tree build;
//  - a source file unchanged, its copy as written: nothing; its copy changed by the build:
//    left as the build left it (as in an in-tree build); its copy deleted: copied again;
//  - a source file removed: its copy removed, only if it is still what was written (a
//    file the build made or changed is never touched), and directories left empty;
//  - files only in the mirror (build outputs): never looked at.
// A refresh killed at any point leaves a state from which the next one is correct.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"

namespace xship::cross {

// The paths a mirror copies, with their stamps (cross/mirror_list.h). Each refresh lists
// its source itself, unless given one listing made for the mirrors of all targets of a
// build: then git runs once per build, not once per target.
struct MirrorListing;
Result<std::shared_ptr<const MirrorListing>> list_for_mirrors(const std::string& source,
                                                              const std::vector<std::string>& exclude);

struct MirrorRequest {
  std::string source;  // the project's tree (absolute)
  std::string dest;  // build/xship/OS_ARCH/src (absolute); its state goes beside it
  // Absolute paths inside source never copied (the build root, the dist dir); .git and
  // .xship (at any depth) never are either. dest may be inside source only under one.
  std::vector<std::string> exclude;
  // For tests: called before each file or symlink is copied, with its path relative to
  // source. An error stops the refresh right there, as a kill would (nothing saved).
  std::function<Status(const std::string& rel)> before_copy;
  // Optional: list_for_mirrors(source, exclude) (another source or exclude list: ignored).
  std::shared_ptr<const MirrorListing> listing;
};

struct MirrorReport {
  std::size_t copied = 0;  // files and symlinks written
  std::size_t unchanged = 0;  // already there as copied, or changed by the build and kept
  std::size_t removed = 0;  // copies of removed (or newly ignored) sources
  std::uint64_t bytes = 0;  // of the files written
  bool reflinked = false;  // a copy was a copy-on-write clone
  bool from_git = false;  // the file list came from git (else: every file under source)
  double seconds = 0;
  double list_seconds = 0;  // of that, listing the source (0 with a listing given)
};

// Brings `dest` up to date with `source`. Usage errors for a bad request (relative paths,
// dest inside the sources), Runtime errors for the filesystem; each names the path and
// the fix. Two refreshes of one dest at once: the second is a Runtime error.
Result<MirrorReport> refresh_mirror(const MirrorRequest& req);

// The state file of the mirror at `dest` (in dest's parent).
std::string mirror_state_path(const std::string& dest);

}  // namespace xship::cross
