#include "compress/extract_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace xship::compress {

namespace {

constexpr std::size_t kMaxName = 4096, kMaxSegment = 255;

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  for (std::size_t start = 0;;) {
    std::size_t slash = path.find('/', start);
    out.push_back(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) return out;
    start = slash + 1;
  }
}

// Checks shared by names and symlink targets; `what` says which ("name", "symlink target").
std::string text_problem(std::string_view text, const char* what) {
  if (text.empty()) return fmt::format("has an empty {}", what);
  if (text.size() > kMaxName) return fmt::format("has a {} longer than {} bytes", what, kMaxName);
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return fmt::format("has a control character in its {}", what);
    if (c == '\\') return fmt::format("has a backslash (a Windows path separator) in its {}", what);
  }
  if (text.front() == '/') return fmt::format("has an absolute {}", what);
  return "";
}

const char* kind_name(EntryType k) {
  switch (k) {
    case EntryType::File: return "a file";
    case EntryType::Directory: return "a directory";
    case EntryType::Symlink: return "a symlink";
  }
  return "";
}

const char* executable(bool x) { return x ? "executable" : "not executable"; }

}  // namespace

std::pair<std::string_view, std::string_view> split_last(std::string_view path) {
  auto slash = path.rfind('/');
  if (slash == std::string_view::npos) return {"", path};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

std::string shown_name(std::string_view text, std::size_t max) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "'";
  for (std::size_t i = 0; i < text.size() && i < max; ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
      continue;
    }
    out += "\\x";
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xf]);
  }
  return out + (text.size() > max ? "...'" : "'");
}

std::string name_problem(std::string_view name) {
  if (auto p = text_problem(name, "name"); !p.empty()) return p;
  auto segs = segments(name);
  if (segs.size() > kMaxNameDepth) return fmt::format("is nested deeper than {} directories", kMaxNameDepth);
  for (auto s : segs) {
    if (s.empty()) return "has an empty path segment ('//' or a trailing '/')";
    if (s == "." || s == "..") return fmt::format("has a '{}' path segment", s);
    if (s.size() > kMaxSegment) return fmt::format("has a path segment longer than {} bytes", kMaxSegment);
  }
  if (segs.front().starts_with(kExtractTempPrefix))
    return fmt::format("starts with '{}', which xship keeps for its temporary directory", kExtractTempPrefix);
  return "";
}

std::string link_problem(std::string_view name, std::string_view target) {
  if (auto p = text_problem(target, "symlink target"); !p.empty()) return p;
  if (target == ".") return "";
  std::size_t ups = 0;
  bool down = false;
  for (auto s : segments(target)) {
    if (s.empty()) return "has an empty segment in its symlink target ('//' or a trailing '/')";
    if (s == ".") return "has a '.' segment in its symlink target";
    if (s == ".." && down) return "has a '..' after a directory name in its symlink target";
    if (s == "..")
      ++ups;
    else
      down = true;
  }
  // The link's directory is name's parent: as deep as name has '/'s. Going up is exact:
  // entries never pass through symlinks, so every directory above the link is real.
  if (ups > static_cast<std::size_t>(std::count(name.begin(), name.end(), '/')))
    return "is a symlink that points outside the destination";
  return "";
}

bool PathLess::operator()(const std::string& a, const std::string& b) const {
  auto rank = [](char c) { return c == '/' ? 0 : static_cast<int>(static_cast<unsigned char>(c)) + 1; };
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                      [&](char x, char y) { return rank(x) < rank(y); });
}

EntryTree::Refusal EntryTree::add(const std::string& name, const Node& node) {
  auto over = [&] {
    return Refusal{fmt::format("makes more than {} entries (counting the directories names imply)", max_nodes_), true};
  };
  for (std::size_t slash = name.find('/'); slash != std::string::npos; slash = name.find('/', slash + 1)) {
    std::string up = name.substr(0, slash);
    auto it = nodes_.find(up);
    if (it == nodes_.end()) {
      if (nodes_.size() >= max_nodes_) return over();
      nodes_.emplace(std::move(up), Node{});
    } else if (it->second.kind != EntryType::Directory) {
      return {fmt::format("lies below {} ({})", kind_name(it->second.kind), shown_name(up))};
    }
  }
  auto it = nodes_.find(name);
  if (it == nodes_.end()) {
    if (nodes_.size() >= max_nodes_) return over();
    Node n = node;
    n.listed = true;
    nodes_.emplace(name, n);
    return {};
  }
  if (it->second.listed) return {"is in the archive twice"};
  if (node.kind != EntryType::Directory)
    return {fmt::format("is {}, but earlier entries lie below it", kind_name(node.kind))};
  it->second = node;
  it->second.listed = true;
  return {};
}

Result<std::map<std::string, const ExpectedEntry*>> index_expected(const std::vector<ExpectedEntry>& list) {
  std::map<std::string, const ExpectedEntry*> out;
  for (const auto& e : list) {
    std::string name = e.name;
    if (e.directory && name.size() > 1 && name.back() == '/') name.pop_back();
    if (!out.emplace(name, &e).second)
      return integrity_error(fmt::format("the manifest lists {} twice: fix the manifest", shown_name(name)));
  }
  return out;
}

std::string expected_problem(const ExpectedEntry* want, const SeenEntry& seen) {
  if (!want) return "is not in the manifest";
  EntryType kind = want->directory         ? EntryType::Directory
                   : want->symlink.empty() ? EntryType::File
                                           : EntryType::Symlink;
  if (kind != seen.kind) return fmt::format("is {}, but the manifest lists {}", kind_name(seen.kind), kind_name(kind));
  if (kind == EntryType::Symlink && seen.symlink != want->symlink)
    return fmt::format("points at {}, but the manifest says {}", shown_name(seen.symlink), shown_name(want->symlink));
  if (kind != EntryType::File) return "";
  if (seen.size != want->size) return fmt::format("has {} bytes, but the manifest says {}", seen.size, want->size);
  if (seen.executable != want->executable)
    return fmt::format("is {}, but the manifest says {}", executable(seen.executable), executable(want->executable));
  return "";
}

}  // namespace xship::compress
