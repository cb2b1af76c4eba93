// What a built program needs at run time, read from the file itself: the shared libraries
// and glibc symbol versions of an ELF program, the DLLs of a PE program. A pure, bounded
// reader of untrusted bytes: every offset, size, count and string is checked against the
// file and against hard caps; a damaged file is an Integrity error, never a read past it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "cross/binary_header.h"

namespace xship::cross {

// One (library, version) pair from the ELF version-needs table.
struct VersionNeed {
  std::string library;  // "libc.so.6"
  std::string version;  // "GLIBC_2.34"
  std::vector<std::string> symbols;  // dynamic symbols bound to this version, sorted, unique
};

struct ElfDeps {
  bool dynamic = false;  // has PT_DYNAMIC (a static-pie has one, with no DT_NEEDED)
  std::string interpreter;  // PT_INTERP, "" when none
  std::string soname;  // DT_SONAME
  std::vector<std::string> needed;  // DT_NEEDED, in file order
  std::vector<std::string> runpath;  // DT_RUNPATH entries split on ':' (DT_RPATH when no RUNPATH)
  std::vector<VersionNeed> versions;  // version-needs table, in file order
};

struct PeDeps {
  std::vector<std::string> imports;  // import directory DLL names, in file order
  std::vector<std::string> delay_imports;  // delay-load directory DLL names, in file order
};

// header.format says which half is filled. A Mach-O file gets its header only (its load
// commands are not read): elf and pe stay empty.
struct BinaryDeps {
  BinaryInfo header;
  ElfDeps elf;
  PeDeps pe;
};

// Hard caps: a file beyond one is reported as damaged rather than read on.
inline constexpr std::uint64_t kMaxBinaryFileBytes = 1ull << 30;  // read_binary_deps_file
inline constexpr std::size_t kMaxNameBytes = 4096;  // one library, version or symbol name
inline constexpr std::size_t kMaxLibraries = 4096;  // DT_NEEDED entries, DLLs per directory
inline constexpr std::size_t kMaxVersionNeeds = 4096;  // (library, version) pairs
inline constexpr std::size_t kMaxDynamicSymbols = 1u << 20;
inline constexpr std::size_t kMaxNameTotalBytes = 16u << 20;  // all names returned, together

// `file` is the whole program. Names are printable ASCII (a control or non-ASCII byte in a
// name is an Integrity error), so callers may print them and store them as JSON as they are.
Result<BinaryDeps> read_binary_deps(std::span<const unsigned char> file);
// Refuses what is not a regular file or is over kMaxBinaryFileBytes; error messages start
// with the path.
Result<BinaryDeps> read_binary_deps_file(const std::string& path);

// The two halves of read_binary_deps, for a file already known to be ELF or PE.
Result<ElfDeps> read_elf_deps(std::span<const unsigned char> file);
Result<PeDeps> read_pe_deps(std::span<const unsigned char> file);

// "GLIBC_2.34" with prefix "GLIBC_" -> {2, 34}; nullopt unless `version` is the prefix and
// then dot-separated decimal numbers (each at most 9 digits). Prefix "" parses "2.31".
std::optional<std::vector<int>> version_numbers(std::string_view version, std::string_view prefix);

// The highest version with this prefix in the version-needs table: "2.34" for "GLIBC_",
// "" when there is none. "GLIBC_PRIVATE" and other non-numeric versions are ignored.
std::string highest_version(const ElfDeps& elf, std::string_view prefix);

struct SymbolsAbove {
  std::vector<std::string> shown;  // "memcpy (GLIBC_2.14)", sorted, at most `cap`
  std::size_t total = 0;  // how many there are in all
};
// Symbols whose version with this prefix is above `max` ("2.31", compared number by number,
// 2.31 == 2.31.0). A Usage error when `max` is not dotted numbers.
Result<SymbolsAbove> symbols_above(const ElfDeps& elf, std::string_view prefix, std::string_view max,
                                   std::size_t cap = 10);

// True for the DLLs every Windows 10 and later ships in System32 (the table is in
// binary_deps_pe.cpp), case-insensitive, with or without ".dll": KERNEL32.dll, msvcrt.dll,
// ucrtbase.dll, api-ms-win-*, ext-ms-*, USER32, ... Not the Visual C++ redistributable
// (vcruntime140.dll, msvcp140.dll) nor MinGW's runtime (libstdc++-6.dll, libgcc_s_*.dll,
// libwinpthread-1.dll): those must ship beside the program.
bool is_windows_system_dll(std::string_view dll);

}  // namespace xship::cross
