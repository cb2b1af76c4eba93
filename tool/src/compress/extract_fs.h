// The filesystem half of extract_archive(): every operation is relative to a directory
// opened without following symlinks, one path component at a time, so a symlink planted
// in the destination (or swapped in while it runs) is replaced or refused, never followed.
#pragma once
#include <string>
#include <string_view>

#include "compress/extract_check.h"
#include "core/result.h"
#include "core/unique_fd.h"

namespace xship::compress {

// The directory `rel` ('/'-separated; "" is `at` itself) below directory `at`, opened
// with O_NOFOLLOW|O_DIRECTORY component by component; with `create`, missing directories
// are made (0755). `where` names `at` in messages.
Result<UniqueFd> open_below(int at, std::string_view rel, bool create, const std::string& where);

// Removes `name` in directory `at`, with everything below it, following no symlink.
Status remove_below(int at, const std::string& name, const std::string& where);

// A new directory (0700) in `at` named kExtractTempPrefix and a random suffix.
Result<std::string> make_temp_dir(int at, const std::string& where);

// Moves what is staged in directory `from` into directory `to`, the tree's entries in
// PathLess order. A directory merges into a directory already at its name; anything else
// there (a file, a symlink) is replaced. A non-directory where `to` has a directory is a
// Usage error. `check_only`: moves nothing, finds that error first.
Status move_into_place(int from, int to, const EntryTree& tree, bool check_only, const std::string& where);

// Gives every directory the tree lists its mtime from the archive.
Status set_directory_times(int at, const EntryTree& tree, const std::string& where);

}  // namespace xship::compress
