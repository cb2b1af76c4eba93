// Unpacking a downloaded release archive (tar.gz, tar.zst or zip) that nobody vouches for.
// Every name, type, size and symlink is checked before it touches the disk; everything is
// unpacked into a fresh temporary directory inside the destination and moved into place
// only when the whole archive passed, so a refused archive leaves the destination as it
// was, and nothing is ever written outside it, whatever symlinks the archive or an
// attacker put there.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace xship::compress {

// One entry an archive must hold (from a manifest), '/'-separated, no trailing slash.
struct ExpectedEntry {
  std::string name;
  bool directory = false;
  std::string symlink;  // not empty: a symlink with this target
  std::uint64_t size = 0;  // of a file
  bool executable = false;  // of a file
};

struct ExtractOptions {
  std::uint64_t max_total_bytes = std::uint64_t{1} << 30;  // of all files together
  // Entries, counting the directories their names imply (a/b/c implies a and a/b).
  std::uint64_t max_entries = 100000;
  // Set: the archive must hold exactly these entries, with these types, sizes, modes and
  // symlink targets.
  const std::vector<ExpectedEntry>* expected = nullptr;
};

struct Extracted {
  std::vector<std::string> files;  // every entry's name (directories too), in archive order
  std::uint64_t bytes = 0;  // of all files together
};

// Unpacks `archive_path` into `dest_dir` (created if missing; its parent must exist).
// Entries already there under the same names are replaced, as tar does; a directory in
// the archive merges with one already there, which keeps its other files. Files get mode
// 0755 if the archive marks them executable, else 0644; directories 0755; symlinks are
// made as symlinks; mtimes come from the archive.
// Errors: Integrity, naming the entry, for an archive that is damaged, hostile, over a
// limit or not what `expected` says; Usage for an unreadable archive or a directory in
// dest_dir where the archive has a file; Runtime for the filesystem. On any error
// dest_dir is left as it was.
Result<Extracted> extract_archive(const std::string& archive_path, const std::string& dest_dir,
                                  const ExtractOptions& opts);

}  // namespace xship::compress
