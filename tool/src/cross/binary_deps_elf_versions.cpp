// Walking the ELF version-needs table and binding dynamic symbols to the versions they
// need; every offset read from the file is checked through bytes::Reader.
#include <algorithm>
#include <utility>

#include "cross/binary_deps_elf_versions.h"

namespace xship::cross::elf {

using bytes::Reader;

// Each next-offset must step past the entry it leaves, so the walk only goes forward and
// ends within the counts.
Result<VersionIndex> read_version_needs(Reader& r, const Tables& t, std::vector<VersionNeed>& out) {
  VersionIndex index;
  if (t.verneed_count > kMaxVersionNeeds)
    return damaged_elf(fmt::format("a version-needs table of {} libraries", t.verneed_count));
  std::uint64_t at = 0;
  for (std::uint64_t i = 0; i < t.verneed_count; ++i) {
    auto e = r.sub(t.verneed, at, 16, "version-needs entry");
    XSHIP_TRY(e);
    std::uint64_t count = r.u16(*e, 2), aux = r.u32(*e, 8), next = r.u32(*e, 12);
    auto library = r.name(t.strtab, r.u32(*e, 4), "version-needs library");
    XSHIP_TRY(library);
    if (count && aux < 16) return damaged_elf(fmt::format("version-needs entry {} overlaps its versions", i));
    for (std::uint64_t j = 0, a = at + aux; j < count; ++j) {
      if (out.size() == kMaxVersionNeeds)
        return damaged_elf(fmt::format("more than {} needed versions", kMaxVersionNeeds));
      auto x = r.sub(t.verneed, a, 16, "version-needs version entry");
      XSHIP_TRY(x);
      auto version = r.name(t.strtab, r.u32(*x, 8), "version");
      XSHIP_TRY(version);
      index.emplace(r.u16(*x, 6) & 0x7fff, out.size());
      out.push_back({*library, std::move(*version), {}});
      std::uint64_t step = r.u32(*x, 12);
      if (j + 1 < count && step < 16)
        return damaged_elf(fmt::format("the versions of {} loop or overlap (vna_next {})", *library, step));
      a += step;
    }
    if (i + 1 < t.verneed_count && next < 16)
      return damaged_elf(
          fmt::format("version-needs entry {} of {} loops or overlaps (vn_next {})", i + 1, t.verneed_count, next));
    at += next;
  }
  return index;
}

Status bind_symbols(Reader& r, bool is64, const Tables& t, const VersionIndex& index, std::vector<VersionNeed>& needs) {
  if (index.empty()) return ok_status();
  if (t.symbol_count > kMaxDynamicSymbols) return damaged_elf(fmt::format("{} dynamic symbols", t.symbol_count));
  std::uint64_t size = is64 ? 24 : 16;
  if (t.versym.size / 2 < t.symbol_count)
    return damaged_elf(fmt::format("the symbol version table has fewer entries ({}) than the dynamic symbol table ({})",
                                   t.versym.size / 2, t.symbol_count));
  for (std::uint64_t i = 1; i < t.symbol_count; ++i) {  // entry 0 is the null symbol
    auto it = index.find(r.u16(t.versym, i * 2) & 0x7fff);
    if (it == index.end()) continue;  // local, global, or one of the program's own versions
    std::uint64_t at = r.u32(t.dynsym, i * size);
    if (at == 0) continue;
    auto name = r.name(t.strtab, at, "symbol");
    XSHIP_TRY(name);
    needs[it->second].symbols.push_back(std::move(*name));
  }
  for (VersionNeed& n : needs) {
    std::sort(n.symbols.begin(), n.symbols.end());
    n.symbols.erase(std::unique(n.symbols.begin(), n.symbols.end()), n.symbols.end());
  }
  return ok_status();
}

}  // namespace xship::cross::elf
