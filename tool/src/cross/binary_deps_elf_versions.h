// The ELF reader's symbol-version half: the version-needs table (which library provides
// which version) and the dynamic symbols bound to each version. binary_deps_elf.cpp finds
// the tables; these walk them.
#pragma once
#include <fmt/format.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "cross/binary_deps.h"
#include "cross/binary_deps_bytes.h"

namespace xship::cross::elf {

inline Error damaged_elf(std::string what) {
  return integrity_error(fmt::format("ELF: {}: the program is damaged or not a real program", what));
}

// Checked regions of the file holding the tables; dynsym/versym/verneed are empty when
// the program has no symbol versions.
struct Tables {
  bytes::Region strtab;
  bytes::Region dynsym, versym, verneed;
  std::uint64_t symbol_count = 0, verneed_count = 0;
};

// Version index (vna_other) -> position in the list of needed versions.
using VersionIndex = std::unordered_map<std::uint64_t, std::size_t>;

// Appends each needed version to `out` and returns where each version index went.
Result<VersionIndex> read_version_needs(bytes::Reader& r, const Tables& t, std::vector<VersionNeed>& out);

// Adds to each needed version the dynamic symbols bound to it, sorted and unique.
Status bind_symbols(bytes::Reader& r, bool is64, const Tables& t, const VersionIndex& index,
                    std::vector<VersionNeed>& needs);

}  // namespace xship::cross::elf
