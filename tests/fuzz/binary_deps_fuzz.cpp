// Built programs are read for their run-time needs (shared libraries, glibc versions,
// DLLs): any bytes either read into bounded lists of printable names, each of which is a
// string found in the input, or are a one-line Integrity error. The version helpers are
// run on whatever was read.
//
// Seeds (corpus/binary_deps, all under run.sh's 4 KiB) are real linker output made small:
// Debian 12's cross gcc with `-O2 -s -nostartfiles -Wl,-z,noseparate-code
// -Wl,--build-id=none -Wl,-z,norelro` on a `_start` that calls puts/exit (C: amd64, arm64,
// s390x, arm, 386, ppc64le; s390x also --hash-style=sysv; amd64 also -shared with a soname
// and run path) or writes a std::string to std::cout (C++: amd64, s390x, arm); three of
// them again without section headers (e_shoff/e_shnum zeroed, file cut there, the
// loader's view); PE from mingw gcc `-nostdlib -e start` importing KERNEL32 (amd64, 386)
// and from clang+lld `--delayload=USER32.dll` with a stub __delayLoadHelper2.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

#include "cross/binary_deps.h"
#include "cross/binary_deps_bytes.h"

using namespace xship::cross;

namespace {

std::string_view input;
std::size_t names = 0;

void check_name(const std::string& s) {
  if (s.size() > kMaxNameBytes || input.find(s) == std::string_view::npos) std::abort();
  for (char c : s)
    if (c < 0x20 || c > 0x7E) std::abort();
  ++names;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  input = std::string_view(reinterpret_cast<const char*>(data), size);
  names = 0;
  auto r = read_binary_deps(std::span<const unsigned char>(data, size));
  if (!r) {
    const std::string& m = r.error().message;
    if (r.error().category != xship::ErrorCategory::Integrity || m.empty() || m.find('\n') != std::string::npos)
      std::abort();
    return 0;
  }
  const ElfDeps& elf = r->elf;
  if (elf.needed.size() > kMaxLibraries || elf.versions.size() > kMaxVersionNeeds) std::abort();
  if (!elf.dynamic && (!elf.needed.empty() || !elf.versions.empty() || !elf.soname.empty())) std::abort();
  for (const std::string* s : {&elf.interpreter, &elf.soname}) check_name(*s);
  for (const std::string& s : elf.needed) check_name(s);
  for (const std::string& s : elf.runpath) check_name(s);
  for (const VersionNeed& v : elf.versions) {
    check_name(v.library);
    check_name(v.version);
    for (const std::string& s : v.symbols) check_name(s);
  }
  for (const auto* list : {&r->pe.imports, &r->pe.delay_imports}) {
    if (list->size() > kMaxLibraries) std::abort();
    for (const std::string& s : *list) {
      check_name(s);
      (void)is_windows_system_dll(s);
    }
  }
  if (names > kMaxNameTotalBytes / xship::cross::bytes::Reader::kNameOverhead) std::abort();
  std::string glibc = highest_version(elf, "GLIBC_");
  if (!glibc.empty() && !version_numbers(glibc, "")) std::abort();
  auto above = symbols_above(elf, "GLIBC_", "2.17", 5);
  if (!above || above->shown.size() > 5 || above->shown.size() > above->total) std::abort();
  if (above->total > 0 && glibc.empty()) std::abort();
  return 0;
}
