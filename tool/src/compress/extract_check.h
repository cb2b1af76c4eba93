// The pure half of extract_archive(): what an untrusted archive's names, symlink targets
// and entry list may be. Each check returns why an entry is refused, as a phrase that
// follows the entry's name ("has a '..' segment"), or "" when it passes.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "compress/extract.h"
#include "core/entry_type.h"

namespace xship::compress {

// Names deeper than this are refused: a bound on the work and memory one name can cost.
constexpr std::size_t kMaxNameDepth = 128;
// The temporary directory extract_archive() unpacks into starts with this; archive
// entries may not use it.
constexpr std::string_view kExtractTempPrefix = ".xship-extract-";

// `text` for a message or terminal: printable ASCII as is, every other byte (and '\') as
// \xNN, at most `max` bytes shown, in single quotes.
std::string shown_name(std::string_view text, std::size_t max = 100);

// "a/b/c" -> ("a/b", "c"); "c" -> ("", "c").
std::pair<std::string_view, std::string_view> split_last(std::string_view path);

// An entry's name (a directory's without its trailing '/') as a path below the
// destination: relative, no empty, "." or ".." segments, no control characters or
// backslashes, at most 4096 bytes, 255 per segment and kMaxNameDepth segments.
std::string name_problem(std::string_view name);

// A symlink's target, taken relative to the directory of the link `name`: relative, at
// most 4096 bytes, no control characters or backslashes, ".." segments only at the start
// (so no other symlink can be in the way when it goes up), and staying inside the
// destination; "." alone is allowed.
std::string link_problem(std::string_view name, std::string_view target);

// '/' before every other byte, so a directory's descendants follow it without a gap.
struct PathLess {
  bool operator()(const std::string& a, const std::string& b) const;
};

// The entries met so far and the directories their names imply.
class EntryTree {
 public:
  struct Node {
    EntryType kind = EntryType::Directory;
    bool listed = false;  // an entry of its own, not only implied by a longer name
    std::int64_t mtime = 0;
    long mtime_nsec = 0;
  };
  explicit EntryTree(std::uint64_t max_nodes) : max_nodes_(max_nodes) {}

  // Records `name` (already checked by name_problem). Refused: a name seen before, a name
  // below a symlink or a file, a non-directory where earlier names put a directory, and
  // more than max_nodes names in all (`limit` set).
  struct Refusal {
    std::string problem;  // empty: added
    bool limit = false;
  };
  Refusal add(const std::string& name, const Node& node);
  const std::map<std::string, Node, PathLess>& nodes() const { return nodes_; }

 private:
  std::uint64_t max_nodes_;
  std::map<std::string, Node, PathLess> nodes_;
};

// Entries a manifest lists, by name. A name listed twice: Integrity error.
Result<std::map<std::string, const ExpectedEntry*>> index_expected(const std::vector<ExpectedEntry>& list);

// How an entry differs from what its manifest line says (`want` null: not listed).
struct SeenEntry {
  EntryType kind;
  std::uint64_t size;
  std::string_view symlink;
  bool executable;
};
std::string expected_problem(const ExpectedEntry* want, const SeenEntry& seen);

}  // namespace xship::compress
