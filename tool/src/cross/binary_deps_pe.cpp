// PE run-time needs: the DLL names of the import directory (data directory 1) and the
// delay-load import directory (13), for PE32 and PE32+, every RVA mapped to a file offset
// through the section table. Written by hand: Debian has no packaged PE reader library.
#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <cctype>

#include "cross/binary_deps.h"
#include "cross/binary_deps_bytes.h"

namespace xship::cross {

namespace {

using bytes::Reader;
using bytes::Region;

Error damaged_pe(std::string what) {
  return integrity_error(fmt::format("PE: {}: the program is damaged or not a real Windows program", what));
}

struct Directory {
  std::uint64_t index;  // in the optional header's data directories
  std::uint64_t entry_size;  // of one descriptor
  std::uint64_t name_field;  // offset of the DLL name RVA in a descriptor
  const char* what;
  bool delay;
};
constexpr Directory kImports{1, 20, 12, "import directory", false};
constexpr Directory kDelayImports{13, 32, 4, "delay-load import directory", true};

class PeReader {
 public:
  explicit PeReader(std::span<const unsigned char> file) : r_(file, true, "PE") {}

  Result<PeDeps> read() {
    XSHIP_TRY(read_headers());
    PeDeps deps;
    XSHIP_TRY(read_directory(kImports, deps.imports));
    XSHIP_TRY(read_directory(kDelayImports, deps.delay_imports));
    return deps;
  }

 private:
  Status read_headers() {
    auto dos = r_.region(0, 0x40, "DOS header");
    XSHIP_TRY(dos);
    std::uint64_t pe_at = r_.u32(*dos, 0x3C);
    auto coff = r_.region(pe_at, 24, "PE signature and COFF header");
    XSHIP_TRY(coff);
    if (r_.u32(*coff, 0) != 0x4550) return damaged_pe("no PE signature where the DOS header points");
    std::uint64_t sections = r_.u16(*coff, 6), opt_size = r_.u16(*coff, 20);
    auto opt = r_.region(pe_at + 24, opt_size, "optional header");
    XSHIP_TRY(opt);
    opt_ = *opt;
    if (opt_size < 2) return damaged_pe("no optional header");
    std::uint64_t magic = r_.u16(opt_, 0);
    if (magic != 0x10B && magic != 0x20B) return damaged_pe(fmt::format("optional header magic {:#x}", magic));
    bool plus = magic == 0x20B;  // PE32+: 64-bit ImageBase, directories 16 bytes further on
    dirs_at_ = plus ? 112 : 96;
    if (opt_size >= dirs_at_) {
      std::uint64_t declared = r_.u32(opt_, dirs_at_ - 4);
      directories_ = std::min(declared, (opt_size - dirs_at_) / 8);
      image_base_ = plus ? r_.u64(opt_, 24) : r_.u32(opt_, 28);
      size_of_headers_ = r_.u32(opt_, 60);
    }
    auto table = r_.region(opt_.offset + opt_size, sections * 40, "section table");
    XSHIP_TRY(table);
    sections_ = *table;
    for (std::uint64_t i = 0; i < sections; ++i) {  // the loader maps them whole: a cut program fails here
      Region s{sections_.offset + i * 40, 40};
      XSHIP_TRY(r_.region(r_.u32(s, 20), r_.u32(s, 16), "section data"));
    }
    return ok_status();
  }

  // The file bytes from `rva` to the end of its section's raw data.
  Result<Region> map(std::uint64_t rva, const char* what) const {
    for (std::uint64_t i = 0; i < sections_.size / 40; ++i) {
      Region s{sections_.offset + i * 40, 40};
      std::uint64_t vsize = r_.u32(s, 8), va = r_.u32(s, 12), raw_size = r_.u32(s, 16), raw_at = r_.u32(s, 20);
      std::uint64_t extent = vsize ? vsize : raw_size;
      if (rva < va || rva - va >= extent) continue;
      if (rva - va >= raw_size)
        return damaged_pe(fmt::format("the {} at RVA {:#x} has no bytes in the file", what, rva));
      return r_.region(raw_at + (rva - va), raw_size - (rva - va), what);
    }
    if (rva < size_of_headers_) return r_.region(rva, size_of_headers_ - rva, what);
    return damaged_pe(fmt::format("the {} at RVA {:#x} is in no section", what, rva));
  }

  // Descriptors run to one whose name RVA is 0 (the loader's end mark; the directory's size
  // field is not trusted by the loader either).
  Status read_directory(const Directory& d, std::vector<std::string>& out) {
    if (d.index >= directories_) return ok_status();
    std::uint64_t rva = r_.u32(opt_, dirs_at_ + d.index * 8);
    if (rva == 0) return ok_status();
    auto table = map(rva, d.what);
    XSHIP_TRY(table);
    for (std::uint64_t i = 0;; ++i) {
      if (i > kMaxLibraries) return damaged_pe(fmt::format("more than {} DLLs in the {}", kMaxLibraries, d.what));
      auto e = r_.sub(*table, i * d.entry_size, d.entry_size, d.what);
      if (!e) return damaged_pe(fmt::format("the {} has no end entry inside its section", d.what));
      std::uint64_t name_rva = r_.u32(*e, d.name_field);
      if (name_rva == 0) return ok_status();
      // Delay-load descriptors without the RVA bit (attribute 1) hold addresses (old MSVC).
      if (d.delay && !(r_.u32(*e, 0) & 1)) {
        if (name_rva < image_base_) return damaged_pe(fmt::format("a delay-load DLL name at address {:#x}", name_rva));
        name_rva -= image_base_;
      }
      auto where = map(name_rva, "DLL name");
      XSHIP_TRY(where);
      auto name = r_.name(*where, 0, "DLL");
      XSHIP_TRY(name);
      if (name->empty()) return damaged_pe(fmt::format("an empty DLL name in the {}", d.what));
      out.push_back(std::move(*name));
    }
  }

  Reader r_;
  Region opt_, sections_;
  std::uint64_t dirs_at_ = 0, directories_ = 0, image_base_ = 0, size_of_headers_ = 0;
};

// DLLs in System32 of every Windows 10 and 11 desktop edition (from Microsoft's Win32 API
// reference, "Requirements: DLL"), lowercase without ".dll", sorted. Left out on purpose:
// what an edition may lack (the Media Foundation DLLs of the N editions, DirectX
// helpers such as d3dx9_43 or xinput1_3, which come with the DirectX redistributable) and
// every Visual C++ and MinGW runtime DLL.
// clang-format off
constexpr std::string_view kSystemDlls[] = {
    "advapi32", "authz", "avrt", "bcrypt", "bcryptprimitives", "cabinet", "cfgmgr32", "combase", "comctl32",
    "comdlg32", "credui", "crypt32", "cryptbase", "cryptnet", "d2d1", "d3d10", "d3d10_1", "d3d11", "d3d12", "d3d9",
    "d3dcompiler_47", "dbghelp", "dcomp", "dhcpcsvc", "dinput8", "dnsapi", "dsound", "dwmapi", "dwrite", "dxgi",
    "esent", "fwpuclnt", "gdi32", "gdiplus", "glu32", "hid", "imagehlp", "imm32", "iphlpapi", "kernel32",
    "kernelbase", "ksuser", "ktmw32", "mpr", "msacm32", "msi", "msimg32", "msvcp_win", "msvcrt", "mswsock",
    "ncrypt", "netapi32", "normaliz", "ntdll", "ntdsapi", "odbc32", "ole32", "oleacc", "oleaut32", "opengl32",
    "pdh", "powrprof", "propsys", "psapi", "rpcrt4", "rstrtmgr", "secur32", "setupapi", "shcore", "shell32",
    "shlwapi", "sspicli", "tdh", "ucrtbase", "urlmon", "user32", "userenv", "usp10", "uxtheme", "version",
    "virtdisk", "wevtapi", "windowscodecs", "winhttp", "wininet", "winmm", "winscard", "winspool.drv", "wintrust",
    "winusb", "wldap32", "ws2_32", "wsock32", "wtsapi32", "xinput1_4"};
// clang-format on
static_assert(std::is_sorted(std::begin(kSystemDlls), std::end(kSystemDlls)), "kept sorted for binary_search");

}  // namespace

Result<PeDeps> read_pe_deps(std::span<const unsigned char> file) { return PeReader(file).read(); }

bool is_windows_system_dll(std::string_view dll) {
  std::string name;
  for (char c : dll.substr(0, kMaxNameBytes)) name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // API sets (api-ms-win-crt-runtime-l1-1-0.dll, ...) are resolved by the loader itself.
  if (name.starts_with("api-ms-win-") || name.starts_with("ext-ms-")) return true;
  if (name.ends_with(".dll")) name.resize(name.size() - 4);
  return std::binary_search(std::begin(kSystemDlls), std::end(kSystemDlls), name);
}

}  // namespace xship::cross
