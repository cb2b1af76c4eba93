// ELF run-time needs: PT_INTERP, the dynamic section's DT_NEEDED / DT_SONAME / DT_RUNPATH,
// and the version-needs table with the dynamic symbols bound to each version (walked in
// binary_deps_elf_versions.cpp; this file finds the tables).
//
// Where the tables come from: the section headers first (.dynamic, its .dynstr, .dynsym,
// .gnu.version, .gnu.version_r), because `strip` keeps them and they give every table's
// exact size, the dynamic symbol count in particular. A program without section headers
// (sstrip, some packers) gets the loader's view instead: PT_DYNAMIC's tags, their
// addresses mapped to file offsets through PT_LOAD, the symbol count recovered from
// DT_GNU_HASH or DT_HASH. The unit tests check that both ways agree on every fixture.
//
// Written by hand rather than over elfutils' libelf: that is ELF only (PE needs its own
// reader anyway), would be a new dependency of the tool, and reading these few tables with
// every field bounds-checked is short.
#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <tuple>

#include "cross/binary_deps.h"
#include "cross/binary_deps_bytes.h"
#include "cross/binary_deps_elf_versions.h"

namespace xship::cross {

namespace {

using bytes::Reader;
using bytes::Region;
using elf::damaged_elf;
using elf::Tables;

constexpr std::uint64_t kPtLoad = 1, kPtDynamic = 2, kPtInterp = 3;
constexpr std::uint64_t kShtDynamic = 6, kShtNobits = 8, kShtDynsym = 11;
constexpr std::uint64_t kShtGnuVerneed = 0x6ffffffe, kShtGnuVersym = 0x6fffffff;
constexpr std::uint64_t kDtNull = 0, kDtNeeded = 1, kDtHash = 4, kDtStrtab = 5, kDtSymtab = 6, kDtStrsz = 10,
                        kDtSoname = 14, kDtRpath = 15, kDtRunpath = 29, kDtGnuHash = 0x6ffffef5, kDtVersym = 0x6ffffff0,
                        kDtVerneed = 0x6ffffffe, kDtVerneednum = 0x6fffffff, kDtRela = 7, kDtRel = 17, kDtJmprel = 23,
                        kDtVerdef = 0x6ffffffc;
constexpr std::uint64_t kMaxDynamicEntries = 1u << 16;

struct Segment {
  std::uint64_t vaddr = 0, offset = 0, filesz = 0;
};

struct Section {
  std::uint64_t type = 0, offset = 0, size = 0, link = 0, info = 0;
};

// The dynamic section's tags that matter here; string tags hold .dynstr offsets.
struct DynTags {
  std::vector<std::uint64_t> needed;
  std::optional<std::uint64_t> soname, runpath, rpath, strtab, strsz, symtab, hash, gnu_hash, versym, verneed,
      verneednum;
  std::vector<std::uint64_t> tables;  // addresses of the other tables, for where .dynsym ends
};

std::vector<std::string> split_path(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t end = std::min(s.find(':', start), s.size());
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

class ElfReader {
 public:
  explicit ElfReader(std::span<const unsigned char> file) : r_(file, file[5] == 1, "ELF"), is64_(file[4] == 2) {}

  Result<ElfDeps> read() {
    XSHIP_TRY(read_header());
    ElfDeps deps;
    XSHIP_TRY(read_program_headers(deps));
    XSHIP_TRY(read_sections());  // also for a static program: a table cut short is damage
    if (!dynamic_) return deps;
    deps.dynamic = true;
    Region dyn = *dynamic_;
    const Section* dyn_section = find_section(kShtDynamic);
    if (dyn_section) {
      auto r = section_data(*dyn_section, "dynamic section");
      XSHIP_TRY(r);
      dyn = *r;
    }
    auto tags = read_dynamic(dyn);
    XSHIP_TRY(tags);
    auto tables = dyn_section ? tables_from_sections(*dyn_section) : tables_from_tags(*tags);
    XSHIP_TRY(tables);
    XSHIP_TRY(read_names(*tags, tables->strtab, deps));
    auto index = elf::read_version_needs(r_, *tables, deps.versions);
    XSHIP_TRY(index);
    XSHIP_TRY(elf::bind_symbols(r_, is64_, *tables, *index, deps.versions));
    return deps;
  }

 private:
  std::uint64_t word(Region r, std::uint64_t at) const { return is64_ ? r_.u64(r, at) : r_.u32(r, at); }

  Status read_header() {
    auto h = r_.region(0, is64_ ? 64 : 52, "ELF header");
    XSHIP_TRY(h);
    std::uint64_t cls = r_.u8(*h, 4), data = r_.u8(*h, 5);
    if ((cls != 1 && cls != 2) || (data != 1 && data != 2))
      return damaged_elf(fmt::format("unknown class {} or byte order {} in the identification bytes", cls, data));
    machine_ = r_.u16(*h, 18);
    phoff_ = word(*h, is64_ ? 32 : 28);
    shoff_ = word(*h, is64_ ? 40 : 32);
    phentsize_ = r_.u16(*h, is64_ ? 54 : 42);
    phnum_ = r_.u16(*h, is64_ ? 56 : 44);
    shentsize_ = r_.u16(*h, is64_ ? 58 : 46);
    shnum_ = r_.u16(*h, is64_ ? 60 : 48);
    if (phnum_ == 0xFFFF) return damaged_elf("65535 or more program headers (PN_XNUM)");
    if (phnum_ && phentsize_ < (is64_ ? 56u : 32u))
      return damaged_elf(fmt::format("program header entries of {} bytes", phentsize_));
    if (shoff_ && shnum_ && shentsize_ < (is64_ ? 64u : 40u))
      return damaged_elf(fmt::format("section header entries of {} bytes", shentsize_));
    return ok_status();
  }

  Status read_program_headers(ElfDeps& deps) {
    auto table = r_.region(phoff_, phnum_ * phentsize_, "program header table");
    XSHIP_TRY(table);
    for (std::uint64_t i = 0; i < phnum_; ++i) {
      Region p{table->offset + i * phentsize_, phentsize_};
      std::uint64_t type = r_.u32(p, 0);
      std::uint64_t offset = word(p, is64_ ? 8 : 4), vaddr = word(p, is64_ ? 16 : 8);
      std::uint64_t filesz = word(p, is64_ ? 32 : 16);
      if (type == kPtLoad) {  // the loader maps it whole: a program cut short fails here too
        XSHIP_TRY(r_.region(offset, filesz, "loaded segment"));
        loads_.push_back({vaddr, offset, filesz});
      }
      if (type == kPtDynamic && !dynamic_) {
        auto r = r_.region(offset, filesz, "dynamic segment");
        XSHIP_TRY(r);
        dynamic_ = *r;
      }
      if (type == kPtInterp && deps.interpreter.empty()) {
        auto r = r_.region(offset, filesz, "interpreter name (PT_INTERP)");
        XSHIP_TRY(r);
        auto name = r_.name(*r, 0, "interpreter");
        XSHIP_TRY(name);
        deps.interpreter = std::move(*name);
      }
    }
    return ok_status();
  }

  Status read_sections() {
    if (shoff_ == 0 || shnum_ == 0) return ok_status();  // none (or an extended count: not used)
    auto table = r_.region(shoff_, shnum_ * shentsize_, "section header table");
    XSHIP_TRY(table);
    for (std::uint64_t i = 0; i < shnum_; ++i) {
      Region s{table->offset + i * shentsize_, shentsize_};
      sections_.push_back({r_.u32(s, 4), word(s, is64_ ? 24 : 16), word(s, is64_ ? 32 : 20), r_.u32(s, is64_ ? 40 : 24),
                           r_.u32(s, is64_ ? 44 : 28)});
    }
    return ok_status();
  }

  const Section* find_section(std::uint64_t type) const {
    auto it = std::find_if(sections_.begin(), sections_.end(), [&](const Section& s) { return s.type == type; });
    return it == sections_.end() ? nullptr : &*it;
  }

  Result<Region> section_data(const Section& s, const char* what) const {
    if (s.type == kShtNobits) return damaged_elf(fmt::format("the {} section has no bytes in the file", what));
    return r_.region(s.offset, s.size, what);
  }

  Result<Tables> tables_from_sections(const Section& dyn) const {
    Tables t;
    if (dyn.link >= sections_.size()) return damaged_elf("the dynamic section links to no string table");
    auto strtab = section_data(sections_[dyn.link], "dynamic string table");
    XSHIP_TRY(strtab);
    t.strtab = *strtab;
    const Section* dynsym = find_section(kShtDynsym);
    const Section* versym = find_section(kShtGnuVersym);
    const Section* verneed = find_section(kShtGnuVerneed);
    if (!dynsym || !versym || !verneed) return t;
    for (auto [s, region, what] :
         {std::tuple{dynsym, &t.dynsym, "dynamic symbol table"}, std::tuple{versym, &t.versym, "symbol version table"},
          std::tuple{verneed, &t.verneed, "version-needs table"}}) {
      auto r = section_data(*s, what);
      XSHIP_TRY(r);
      *region = *r;
    }
    t.symbol_count = t.dynsym.size / (is64_ ? 24 : 16);
    t.verneed_count = verneed->info;
    return t;
  }

  // The file bytes behind [addr, addr + size) of the loaded image; size nullopt: up to the
  // end of the segment's file part (for tables whose size the tags do not give).
  Result<Region> map(std::uint64_t addr, std::optional<std::uint64_t> size, const char* what) const {
    for (const Segment& s : loads_) {
      if (addr < s.vaddr || addr - s.vaddr >= s.filesz) continue;
      std::uint64_t delta = addr - s.vaddr, rest = s.filesz - delta;
      if (size && *size > rest)
        return damaged_elf(fmt::format("the {} at address {:#x} ({} bytes) runs past its segment", what, addr, *size));
      return r_.region(s.offset + delta, size.value_or(rest), what);
    }
    return damaged_elf(fmt::format("the {} at address {:#x} is in no loaded segment", what, addr));
  }

  Result<Tables> tables_from_tags(const DynTags& tags) const {
    Tables t;
    if (tags.strtab) {
      if (!tags.strsz) return damaged_elf("DT_STRTAB without DT_STRSZ");
      auto r = map(*tags.strtab, *tags.strsz, "dynamic string table");
      XSHIP_TRY(r);
      t.strtab = *r;
    }
    if (!tags.symtab || !tags.versym || !tags.verneed) return t;
    auto count = symbol_count(tags);
    XSHIP_TRY(count);
    if (*count > kMaxDynamicSymbols) return damaged_elf(fmt::format("{} dynamic symbols", *count));
    t.symbol_count = *count;
    auto dynsym = map(*tags.symtab, *count * (is64_ ? 24 : 16), "dynamic symbol table");
    XSHIP_TRY(dynsym);
    auto versym = map(*tags.versym, *count * 2, "symbol version table");
    XSHIP_TRY(versym);
    auto verneed = map(*tags.verneed, std::nullopt, "version-needs table");
    XSHIP_TRY(verneed);
    t.dynsym = *dynsym, t.versym = *versym, t.verneed = *verneed;
    t.verneed_count = tags.verneednum.value_or(0);
    return t;
  }

  // The dynamic symbol count, which no tag gives. DT_HASH's nchain is exact. DT_GNU_HASH
  // only bounds it from below: the symbols it leaves out (the undefined ones a program
  // imports) come first, and a program that exports nothing hashes none. So the count is
  // also read from the layout: .dynsym runs up to the next table the tags point at (GNU ld
  // puts .dynstr right after it, lld .gnu.version), within its segment.
  Result<std::uint64_t> symbol_count(const DynTags& tags) const {
    std::uint64_t size = is64_ ? 24 : 16;
    if (tags.hash) {
      // 64-bit s390 (EM_S390) and Alpha use 8-byte hash entries; everyone else 4.
      bool wide = is64_ && (machine_ == 22 || machine_ == 0x9026);
      auto h = map(*tags.hash, wide ? 16 : 8, "hash table");
      XSHIP_TRY(h);
      return wide ? r_.u64(*h, 8) : r_.u32(*h, 4);
    }
    if (!tags.gnu_hash) return damaged_elf("no DT_HASH or DT_GNU_HASH to count the dynamic symbols by");
    auto hashed = gnu_hash_count(*tags.gnu_hash);
    XSHIP_TRY(hashed);
    auto rest = map(*tags.symtab, std::nullopt, "dynamic symbol table");
    XSHIP_TRY(rest);
    std::uint64_t next = *tags.symtab + rest->size;
    for (std::uint64_t a : tags.tables)
      if (a > *tags.symtab) next = std::min(next, a);
    return std::max(*hashed, (next - *tags.symtab) / size);
  }

  // One past the last symbol the GNU hash table holds: the end of the highest bucket's chain.
  Result<std::uint64_t> gnu_hash_count(std::uint64_t address) const {
    auto h = map(address, std::nullopt, "GNU hash table");
    XSHIP_TRY(h);
    auto head = r_.sub(*h, 0, 16, "GNU hash header");
    XSHIP_TRY(head);
    std::uint64_t nbuckets = r_.u32(*head, 0), first = r_.u32(*head, 4), bloom = r_.u32(*head, 8);
    if (nbuckets > kMaxDynamicSymbols || bloom > kMaxDynamicSymbols || first > kMaxDynamicSymbols)
      return damaged_elf(fmt::format("a GNU hash table of {} buckets, {} bloom words", nbuckets, bloom));
    std::uint64_t at = 16 + bloom * (is64_ ? 8 : 4);
    auto buckets = r_.sub(*h, at, nbuckets * 4, "GNU hash buckets");
    XSHIP_TRY(buckets);
    std::uint64_t last = 0;
    for (std::uint64_t i = 0; i < nbuckets; ++i) last = std::max(last, r_.u32(*buckets, i * 4));
    if (last < first) return first;
    for (std::uint64_t i = last - first; i < kMaxDynamicSymbols; ++i) {
      auto chain = r_.sub(*h, at + nbuckets * 4 + i * 4, 4, "GNU hash chain");
      XSHIP_TRY(chain);
      if (r_.u32(*chain, 0) & 1) return first + i + 1;
    }
    return damaged_elf(fmt::format("more than {} dynamic symbols", kMaxDynamicSymbols));
  }

  Result<DynTags> read_dynamic(Region dyn) const {
    DynTags tags;
    std::uint64_t size = is64_ ? 16 : 8, count = dyn.size / size;
    for (std::uint64_t i = 0;; ++i) {
      if (i == count) return damaged_elf("the dynamic section has no DT_NULL end");
      if (i == kMaxDynamicEntries) return damaged_elf(fmt::format("more than {} dynamic entries", kMaxDynamicEntries));
      Region e{dyn.offset + i * size, size};
      std::uint64_t tag = word(e, 0), value = word(e, size / 2);
      if (tag == kDtNull) return tags;
      if (tag == kDtNeeded) {
        if (tags.needed.size() == kMaxLibraries)
          return damaged_elf(fmt::format("more than {} DT_NEEDED", kMaxLibraries));
        tags.needed.push_back(value);
      }
      std::optional<std::uint64_t>* slot = nullptr;
      switch (tag) {
        case kDtSoname: slot = &tags.soname; break;
        case kDtRunpath: slot = &tags.runpath; break;
        case kDtRpath: slot = &tags.rpath; break;
        case kDtStrtab: slot = &tags.strtab; break;
        case kDtStrsz: slot = &tags.strsz; break;
        case kDtSymtab: slot = &tags.symtab; break;
        case kDtHash: slot = &tags.hash; break;
        case kDtGnuHash: slot = &tags.gnu_hash; break;
        case kDtVersym: slot = &tags.versym; break;
        case kDtVerneed: slot = &tags.verneed; break;
        case kDtVerneednum: slot = &tags.verneednum; break;
      }
      if (slot && !*slot) *slot = value;  // the first of a repeated tag, as the loader
      switch (tag) {
        case kDtStrtab:
        case kDtSymtab:
        case kDtHash:
        case kDtGnuHash:
        case kDtVersym:
        case kDtVerneed:
        case kDtVerdef:
        case kDtRela:
        case kDtRel:
        case kDtJmprel: tags.tables.push_back(value);
      }
    }
  }

  Status read_names(const DynTags& tags, Region strtab, ElfDeps& deps) {
    for (std::uint64_t at : tags.needed) {
      auto name = r_.name(strtab, at, "DT_NEEDED");
      XSHIP_TRY(name);
      deps.needed.push_back(std::move(*name));
    }
    if (tags.soname) {
      auto name = r_.name(strtab, *tags.soname, "DT_SONAME");
      XSHIP_TRY(name);
      deps.soname = std::move(*name);
    }
    if (auto at = tags.runpath ? tags.runpath : tags.rpath) {  // the loader ignores RPATH beside RUNPATH
      auto path = r_.name(strtab, *at, tags.runpath ? "DT_RUNPATH" : "DT_RPATH");
      XSHIP_TRY(path);
      deps.runpath = split_path(*path);
    }
    return ok_status();
  }

  Reader r_;
  bool is64_;
  std::uint64_t machine_ = 0, phoff_ = 0, shoff_ = 0, phentsize_ = 0, phnum_ = 0, shentsize_ = 0, shnum_ = 0;
  std::vector<Segment> loads_;
  std::vector<Section> sections_;
  std::optional<Region> dynamic_;
};

}  // namespace

Result<ElfDeps> read_elf_deps(std::span<const unsigned char> file) {
  if (file.size() < 52 || file[0] != 0x7F || file[1] != 'E' || file[2] != 'L' || file[3] != 'F')
    return integrity_error("ELF: the file is shorter than an ELF header or has no ELF magic: it is damaged");
  return ElfReader(file).read();
}

}  // namespace xship::cross
