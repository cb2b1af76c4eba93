// What one target's release artifact is, holds and needs: recorded beside the file's
// digests when `xship build` writes it, carried by `xship publish` into manifest.json, and
// read back by `xship fetch --target --extract`. The JSON is data from a server on the way
// back, so reading it checks every field.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/entry_type.h"
#include "core/result.h"
#include "cross/targets.h"

namespace xship::cross {

// What the programs and libraries of a release need on the machine they run on.
struct Requirements {
  bool dynamic = false;  // some ELF program loads shared libraries
  std::string glibc;  // highest GLIBC_ symbol version any ELF needs ("2.34"); "" none
  std::string glibcxx;  // highest GLIBCXX_ version ("3.4.30"); "" none
  std::vector<std::string> libraries;  // ELF DT_NEEDED not shipped in the release, sorted
  std::vector<std::string> dlls;  // PE imports not shipped in the release (system DLLs), sorted
  bool operator==(const Requirements&) const = default;
};
// "glibc 2.34, libz.so.1" / "static" / "KERNEL32.dll, msvcrt.dll": for the build table.
std::string describe(const Requirements& r);

// One entry of a release archive.
struct ContentEntry {
  std::string name;  // '/'-separated, relative, no '.' or '..' segments
  EntryType type = EntryType::File;
  std::uint64_t size = 0;
  bool executable = false;
  std::string link;  // a symlink's target
  bool operator==(const ContentEntry&) const = default;
};

enum class ArtifactKind { Archive, Program };

struct ArtifactInfo {
  Target target;
  ArtifactKind kind = ArtifactKind::Program;
  std::string format;  // "tar.gz", "tar.zst", "zip"; a program: "gz", "zst" or ""
  std::vector<std::string> programs;  // the programs it holds, as named in contents (a program: its name)
  std::vector<ContentEntry> contents;  // archives: every entry, sorted by name; a program: itself, uncompressed
  Requirements needs;  // "requires" in JSON (a keyword in C++20)
  bool operator==(const ArtifactInfo&) const = default;
};

// The manifest's fields for the artifact: target, kind, format, programs, contents, requires.
nlohmann::ordered_json artifact_json(const ArtifactInfo& a);
// Reads them back; an Integrity error ("damaged") for anything out of shape: unknown target
// or kind, a content name that is absolute or has '.'/'..'/empty segments or control
// characters, sizes that are not whole numbers, more than kMaxContentEntries entries.
Result<ArtifactInfo> parse_artifact_json(const nlohmann::json& j);

inline constexpr std::size_t kMaxContentEntries = 100000;

// A relative '/'-separated path that cannot leave the directory it is taken in: no leading
// '/', no empty, '.' or '..' segment, no control character, at most 4096 bytes.
bool is_safe_relative_path(std::string_view path);

}  // namespace xship::cross
