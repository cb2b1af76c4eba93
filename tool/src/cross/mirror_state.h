// The source mirror's memory (cross/source_mirror.h): for every path it copied, what the
// source looked like and what the copy looked like right after it was written. A copy
// that no longer looks like that was changed by the build and is left alone.
//
// Files, all in the mirror's parent directory (build/xship/OS_ARCH/):
//   .xship-mirror.json     {"version": 1, "source": "/abs", "dest": "/abs", "entries": [ENTRY...]}
//   .xship-mirror.journal  one ENTRY per line, appended before each copy is renamed into place
//   .xship-mirror.lock     flock'd while a refresh runs
//   .xship-mirror.tmp/     copies being written (emptied at the start of each refresh)
// ENTRY: {"path": "a/b.c", "kind": "file"|"symlink", "size", "mtime_ns", "ctime_ns", "ino",
//         "mode", "link" (a symlink's text), "copy": {"size", "mtime_ns", "ino", "mode"}}
// A path or link text that is not printable ASCII is stored hex-encoded as "path_hex" /
// "link_hex" instead (names may hold any byte but '/' and NUL; JSON strings hold UTF-8).
#pragma once
#include <sys/stat.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "core/result.h"
#include "core/unique_fd.h"

namespace xship::cross::mirror {

enum class Kind { File, Symlink, Other };

// What lstat said about a path. The source's stamp is all of it: ino and ctime too, so a
// file replaced by one with the same size and mtime (tar -x, cp -p, rsync -t keep mtimes)
// is still seen as changed. A copy's stamp has ctime 0: renaming it into place changes it.
struct PathStamp {
  Kind kind = Kind::Other;
  std::uint64_t size = 0, ino = 0;
  std::int64_t mtime_ns = 0, ctime_ns = 0;
  std::uint32_t mode = 0;  // rwx for user, group, other (0777): never setuid, setgid or sticky
  std::string link;  // a symlink's text
  bool operator==(const PathStamp&) const = default;
};

// The stamp of `st` (from lstat/fstat); `link` is the symlink text when it is one.
PathStamp stamp_of(const struct stat& st, std::string link = {});
// The stamp a copy is compared by: `s` without ctime.
PathStamp copy_view(PathStamp s);

struct Entry {
  PathStamp source;
  PathStamp copy;  // kind and link are the source's
};
using Entries = std::map<std::string, Entry>;  // by path relative to the source

struct StateFiles {
  std::string dir, state, journal, lock, tmp;
};
StateFiles state_files(const std::string& dest);

// A relative path that stays inside its root: not empty, not absolute, no NUL, no empty,
// "." or ".." component.
bool valid_relative(const std::string& rel);

// The entries of the state file plus the journal's lines. A journal line counts only when
// `copy_now(path)` (the mirror's file as it is now) has the inode of the copy the line
// describes, i.e. the rename after it happened. Anything unreadable, of another version, source or dest,
// or malformed counts as nothing: the refresh then compares with what is on disk.
Entries load_entries(const StateFiles& files, const std::string& source, const std::string& dest,
                     const std::function<std::optional<PathStamp>(const std::string&)>& copy_now);

// Appends entries to the journal, opened on first use.
class Journal {
 public:
  explicit Journal(std::string path) : path_(std::move(path)) {}
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;
  Status append(const std::string& rel, const Entry& e);

 private:
  std::string path_;
  UniqueFd fd_;
};

// Replaces the state file atomically (temporary file, rename), then drops the journal.
Status save_entries(const StateFiles& files, const std::string& source, const std::string& dest,
                    const Entries& entries);

}  // namespace xship::cross::mirror
