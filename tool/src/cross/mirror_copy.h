// The source mirror's file operations (cross/source_mirror.h): copying one file or symlink
// into a temporary path, and resolving paths inside a tree without going through a
// symlink someone put where a directory was.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>

#include "core/result.h"
#include "cross/mirror_state.h"

namespace xship::cross::mirror {

// The directories of one tree (the source or the mirror) that were seen to be real
// directories, each checked once per refresh. A symlink the build made in the mirror (or
// the user in the source) where a directory was would otherwise send a copy, a removal or
// a read outside the tree.
class RealDirs {
 public:
  explicit RealDirs(std::string root) : root_(std::move(root)) {}
  // Whether every directory above `rel` is a real directory. With `create`, missing ones
  // are made, and anything else in the way is a Runtime error naming it; without, false.
  Result<bool> parents_ok(const std::string& rel, bool create);
  std::string path(const std::string& rel) const { return root_ + "/" + rel; }
  // Removes the directories above `rel` that are now empty, up to the root.
  void remove_empty_parents(const std::string& rel);

 private:
  std::string root_;
  std::unordered_set<std::string> known_;
};

// lstat of `path` (readlink too for a symlink); nullopt when it is not there.
std::optional<PathStamp> lstat_stamp(const std::string& path);
// A symlink's text; `size` is lstat's st_size. nullopt when unreadable or too long.
std::optional<std::string> read_link(const std::string& path, std::uint64_t size);

struct Copied {
  Entry entry;  // the source as it was copied, and the copy now at `tmp`
  bool reflinked = false;
};

// Copies the file or symlink at `src` to the new path `tmp` (never a link to it): a
// copy-on-write clone where the filesystem can (btrfs, xfs), else copy_file_range, else
// read/write; then the permission bits and the mtime in nanoseconds. A symlink is made
// with the same text. A Runtime error names the path and the fix.
Result<Copied> copy_to_temp(const std::string& src, Kind kind, const std::string& tmp);

}  // namespace xship::cross::mirror
