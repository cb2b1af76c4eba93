// Run-time needs read from real compiler output (tests/data/binaries: Debian 12's cross
// compilers, README there says how each was made). Every expected value below was taken
// from binutils, not from the reader: `readelf -lW` (interpreter), `readelf -d` (NEEDED,
// SONAME, RUNPATH), `readelf -V` ((library, version) pairs in file order) and `readelf
// --dyn-syms -W` (the name@version of each symbol), and `objdump -p` for the PE imports
// (llvm-readobj --coff-imports for the delay-load one, which objdump does not list).
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "binary_fixtures.h"
#include "cross/binary_deps.h"

using namespace xship;
using namespace xship::cross;
using xship::test::BinaryFixture;

namespace {

using Lines = std::vector<std::string>;

// "libc.so.6 GLIBC_2.34: __libc_start_main", one line per (library, version) pair.
Lines rendered(const ElfDeps& elf) {
  Lines out;
  for (const VersionNeed& v : elf.versions) {
    std::string line = v.library + " " + v.version + ":";
    for (const std::string& s : v.symbols) line += " " + s;
    out.push_back(line);
  }
  return out;
}

BinaryDeps read_fixture(const std::string& name) {
  auto deps = read_binary_deps_file(xship::test::fixture_path(name));
  EXPECT_TRUE(deps.ok()) << name << ": " << deps.error().message;
  return deps.ok() ? *deps : BinaryDeps{};
}

struct ElfCase {
  const char* file;
  Machine machine;
  int bits;
  const char* interpreter;
  Lines needed;
  Lines versions;
};

const std::string kCppAbi = "_ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE";
const std::string kGlibcxx34 =
    "libstdc++.so.6 GLIBCXX_3.4: _ZNSo3putEc _ZNSo5flushEv _ZNSt8ios_base4InitC1Ev _ZNSt8ios_base4InitD1Ev "
    "_ZSt16__throw_bad_castv _ZSt19__throw_logic_errorPKc _ZSt4cout "
    "_ZStlsISt11char_traitsIcEERSt13basic_ostreamIcT_ES5_PKc";
// The GLIBCXX_3.4.9 symbol ends in the width of std::streamsize: l (long) or i (int, arm).
std::string glibcxx_349(char size) {
  return "libstdc++.so.6 GLIBCXX_3.4.9: _ZSt16__ostream_insertIcSt11char_traitsIcEERSt13basic_ostreamIT_T0_ES6_PKS3_" +
         std::string(1, size);
}
std::string glibcxx_3421(const char* size_t_code) {
  return "libstdc++.so.6 GLIBCXX_3.4.21: " + kCppAbi + "10_M_disposeEv " + kCppAbi + "9_M_createER" + size_t_code;
}
const std::string kGlibcxx3411 = "libstdc++.so.6 GLIBCXX_3.4.11: _ZNKSt5ctypeIcE13_M_widen_initEv";
const Lines kCppNeeded = {"libstdc++.so.6", "libgcc_s.so.1", "libc.so.6"};

const std::vector<ElfCase>& elf_cases() {
  static const std::vector<ElfCase> cases = {
      {"hello-c-linux-amd64",
       Machine::X86_64,
       64,
       "/lib64/ld-linux-x86-64.so.2",
       {"libc.so.6"},
       {"libc.so.6 GLIBC_2.2.5: __cxa_finalize printf", "libc.so.6 GLIBC_2.34: __libc_start_main"}},
      {"hello-cpp-linux-amd64",
       Machine::X86_64,
       64,
       "/lib64/ld-linux-x86-64.so.2",
       kCppNeeded,
       {"libgcc_s.so.1 GCC_3.0: _Unwind_Resume", "libc.so.6 GLIBC_2.14: memcpy",
        "libc.so.6 GLIBC_2.34: __libc_start_main", "libc.so.6 GLIBC_2.2.5: __cxa_atexit __cxa_finalize strlen",
        "libstdc++.so.6 CXXABI_1.3: __gxx_personality_v0", glibcxx_3421("mm"), kGlibcxx3411, glibcxx_349('l'),
        kGlibcxx34}},
      {"hello-c-linux-arm64",
       Machine::Aarch64,
       64,
       "/lib/ld-linux-aarch64.so.1",
       {"libc.so.6"},
       {"libc.so.6 GLIBC_2.17: __cxa_finalize abort printf", "libc.so.6 GLIBC_2.34: __libc_start_main"}},
      {"hello-cpp-linux-arm64",
       Machine::Aarch64,
       64,
       "/lib/ld-linux-aarch64.so.1",
       kCppNeeded,
       {"libgcc_s.so.1 GCC_3.0: _Unwind_Resume", "libc.so.6 GLIBC_2.34: __libc_start_main",
        "libc.so.6 GLIBC_2.17: __cxa_atexit __cxa_finalize abort memcpy strlen",
        "libstdc++.so.6 CXXABI_1.3: __gxx_personality_v0", glibcxx_3421("mm"), kGlibcxx3411, glibcxx_349('l'),
        kGlibcxx34}},
      {"hello-c-linux-s390x",
       Machine::S390x,
       64,
       "/lib/ld64.so.1",
       {"libc.so.6"},
       {"libc.so.6 GLIBC_2.4: printf", "libc.so.6 GLIBC_2.34: __libc_start_main",
        "libc.so.6 GLIBC_2.2: __cxa_finalize"}},
      {"hello-cpp-linux-s390x",
       Machine::S390x,
       64,
       "/lib/ld64.so.1",
       kCppNeeded,
       {"libgcc_s.so.1 GCC_3.0: _Unwind_Resume", "libc.so.6 GLIBC_2.34: __libc_start_main",
        "libc.so.6 GLIBC_2.2: __cxa_atexit __cxa_finalize memcpy", "libstdc++.so.6 CXXABI_1.3: __gxx_personality_v0",
        glibcxx_3421("mm"), kGlibcxx3411, glibcxx_349('l'), kGlibcxx34}},
      {"hello-c-linux-arm",
       Machine::Arm,
       32,
       "/lib/ld-linux-armhf.so.3",
       {"libc.so.6"},
       {"libc.so.6 GLIBC_2.4: __cxa_finalize abort printf", "libc.so.6 GLIBC_2.34: __libc_start_main"}},
      {"hello-cpp-linux-arm",
       Machine::Arm,
       32,
       "/lib/ld-linux-armhf.so.3",
       {"libstdc++.so.6", "libc.so.6"},
       {"libc.so.6 GLIBC_2.4: __cxa_finalize abort memcpy strlen", "libc.so.6 GLIBC_2.34: __libc_start_main",
        glibcxx_349('i'), glibcxx_3421("jj"), kGlibcxx3411,
        "libstdc++.so.6 CXXABI_1.3: __cxa_end_cleanup __gxx_personality_v0",
        "libstdc++.so.6 CXXABI_ARM_1.3.3: __aeabi_atexit", kGlibcxx34}},
      // DT_HASH instead of DT_GNU_HASH; s390x's has 8-byte entries.
      {"hello-c-sysvhash-linux-s390x",
       Machine::S390x,
       64,
       "/lib/ld64.so.1",
       {"libc.so.6"},
       {"libc.so.6 GLIBC_2.4: printf", "libc.so.6 GLIBC_2.34: __libc_start_main",
        "libc.so.6 GLIBC_2.2: __cxa_finalize"}},
      {"hello-c-sysvhash-linux-arm",
       Machine::Arm,
       32,
       "/lib/ld-linux-armhf.so.3",
       {"libc.so.6"},
       {"libc.so.6 GLIBC_2.4: __cxa_finalize abort printf", "libc.so.6 GLIBC_2.34: __libc_start_main"}},
      // greet@@GREET_1.0 is the library's own version (.gnu.version_d): not a need.
      {"libgreet-linux-amd64.so",
       Machine::X86_64,
       64,
       "",
       {"libc.so.6"},
       {"libc.so.6 GLIBC_2.2.5: __cxa_finalize snprintf"}},
  };
  return cases;
}

}  // namespace

TEST(BinaryDeps, ElfProgramsMatchReadelf) {
  for (const ElfCase& c : elf_cases()) {
    SCOPED_TRACE(c.file);
    BinaryDeps deps = read_fixture(c.file);
    EXPECT_EQ(deps.header.format, BinaryFormat::Elf);
    ASSERT_EQ(deps.header.machines.size(), 1u);
    EXPECT_EQ(deps.header.machines[0], c.machine);
    EXPECT_EQ(deps.header.bits, c.bits);
    EXPECT_TRUE(deps.elf.dynamic);
    EXPECT_EQ(deps.elf.interpreter, c.interpreter);
    EXPECT_EQ(deps.elf.needed, c.needed);
    EXPECT_EQ(rendered(deps.elf), c.versions);
    EXPECT_TRUE(deps.pe.imports.empty());
  }
}

TEST(BinaryDeps, SharedLibrarySonameAndRunpath) {
  BinaryDeps deps = read_fixture("libgreet-linux-amd64.so");
  EXPECT_EQ(deps.elf.soname, "libgreet.so.1");
  EXPECT_EQ(deps.elf.runpath, (Lines{"$ORIGIN/../lib", "/opt/greet/lib"}));
  EXPECT_TRUE(deps.elf.interpreter.empty());
  // The same path under DT_RPATH (15) instead of DT_RUNPATH (29) reads the same.
  BinaryFixture f("libgreet-linux-amd64.so");
  f.put(f.dynamic_entry(29), 8, 15);
  auto rpath = read_binary_deps(f.bytes);
  ASSERT_TRUE(rpath.ok()) << rpath.error().message;
  EXPECT_EQ(rpath->elf.runpath, deps.elf.runpath);
}

TEST(BinaryDeps, WithoutSectionHeadersTheLoaderViewAgrees) {
  // PT_DYNAMIC, PT_LOAD address mapping and the symbol count from the hash table.
  for (const ElfCase& c : elf_cases()) {
    SCOPED_TRACE(c.file);
    BinaryFixture f(c.file);
    f.drop_section_headers();
    auto deps = read_binary_deps(f.bytes);
    ASSERT_TRUE(deps.ok()) << deps.error().message;
    EXPECT_EQ(deps->elf.interpreter, c.interpreter);
    EXPECT_EQ(deps->elf.needed, c.needed);
    EXPECT_EQ(rendered(deps->elf), c.versions);
    EXPECT_EQ(deps->elf.runpath, read_fixture(c.file).elf.runpath);
  }
}

TEST(BinaryDeps, HighestVersionsOfTheHellos) {
  for (const ElfCase& c : elf_cases()) {
    SCOPED_TRACE(c.file);
    ElfDeps elf = read_fixture(c.file).elf;
    bool cpp = std::string(c.file).starts_with("hello-cpp");
    bool lib = std::string(c.file).starts_with("lib");
    EXPECT_EQ(highest_version(elf, "GLIBC_"), lib ? "2.2.5" : "2.34");
    EXPECT_EQ(highest_version(elf, "GLIBCXX_"), cpp ? "3.4.21" : "");
    EXPECT_EQ(highest_version(elf, "CXXABI_"), cpp ? "1.3" : "");
  }
}

TEST(BinaryDeps, SymbolsAboveAGlibcLimit) {
  ElfDeps elf = read_fixture("hello-cpp-linux-amd64").elf;
  auto above = symbols_above(elf, "GLIBC_", "2.31");
  ASSERT_TRUE(above.ok());
  EXPECT_EQ(above->shown, Lines{"__libc_start_main (GLIBC_2.34)"});
  EXPECT_EQ(above->total, 1u);
  above = symbols_above(elf, "GLIBC_", "2.13", 1);
  ASSERT_TRUE(above.ok());
  EXPECT_EQ(above->shown, Lines{"__libc_start_main (GLIBC_2.34)"});  // sorted, then capped
  EXPECT_EQ(above->total, 2u);  // and memcpy (GLIBC_2.14)
  for (const char* enough : {"2.34", "2.34.0", "3", "2.35"}) {
    auto none = symbols_above(elf, "GLIBC_", enough);
    ASSERT_TRUE(none.ok());
    EXPECT_EQ(none->total, 0u) << enough;
  }
  above = symbols_above(elf, "GLIBCXX_", "3.4.20");
  ASSERT_TRUE(above.ok());
  EXPECT_EQ(above->shown,
            (Lines{kCppAbi + "10_M_disposeEv (GLIBCXX_3.4.21)", kCppAbi + "9_M_createERmm (GLIBCXX_3.4.21)"}));
  for (const char* bad : {"", "2.", "two", "2.31-rc1", ".2", "GLIBC_2.31", "1234567890"}) {
    auto r = symbols_above(elf, "GLIBC_", bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().category, ErrorCategory::Usage);
  }
  // A needed version with no symbol bound to it is still reported, by its library.
  elf.versions.push_back({"libm.so.6", "GLIBC_2.38", {}});
  above = symbols_above(elf, "GLIBC_", "2.34");
  ASSERT_TRUE(above.ok());
  EXPECT_EQ(above->shown, Lines{"libm.so.6 (GLIBC_2.38)"});
}

TEST(BinaryDeps, VersionNumbers) {
  EXPECT_EQ(version_numbers("GLIBC_2.34", "GLIBC_"), (std::vector<int>{2, 34}));
  EXPECT_EQ(version_numbers("GLIBC_2.2.5", "GLIBC_"), (std::vector<int>{2, 2, 5}));
  EXPECT_EQ(version_numbers("2.31", ""), (std::vector<int>{2, 31}));
  EXPECT_EQ(version_numbers("GLIBCXX_3.4.30", "GLIBCXX_"), (std::vector<int>{3, 4, 30}));
  for (const char* not_one : {"GLIBC_PRIVATE", "GLIBCXX_3.4", "GLIBC_", "GLIBC_2..3", "GLIBC_2.3.", "GLIBC_2.x",
                              "GLIBC_2.1234567890", "GLIBC_-2", "GLIBC_ 2"})
    EXPECT_FALSE(version_numbers(not_one, "GLIBC_").has_value()) << not_one;
  ElfDeps elf;
  elf.versions = {{"libc.so.6", "GLIBC_2.9", {}}, {"libc.so.6", "GLIBC_PRIVATE", {}}, {"libc.so.6", "GLIBC_2.10", {}}};
  EXPECT_EQ(highest_version(elf, "GLIBC_"), "2.10");  // by number, not as text
}

TEST(BinaryDeps, StaticProgramHasNoDynamicSection) {
  BinaryDeps deps = read_fixture("hello-nolibc-static-linux-amd64");
  EXPECT_EQ(deps.header.machines[0], Machine::X86_64);
  EXPECT_FALSE(deps.elf.dynamic);
  EXPECT_TRUE(deps.elf.interpreter.empty());
  EXPECT_TRUE(deps.elf.needed.empty());
  EXPECT_TRUE(deps.elf.versions.empty());
  EXPECT_EQ(highest_version(deps.elf, "GLIBC_"), "");
}

TEST(BinaryDeps, WindowsProgramsMatchObjdump) {
  struct Case {
    const char* file;
    Machine machine;
    int bits;
    Lines imports, delay_imports, not_system;
  };
  const Lines base = {"KERNEL32.dll", "msvcrt.dll"};
  for (const Case& c : {
           Case{"hello-cpp-windows-amd64.exe",
                Machine::X86_64,
                64,
                {"KERNEL32.dll", "msvcrt.dll", "libgcc_s_seh-1.dll", "libstdc++-6.dll"},
                {},
                {"libgcc_s_seh-1.dll", "libstdc++-6.dll"}},
           Case{"hello-c-static-windows-amd64.exe", Machine::X86_64, 64, base, {}, {}},
           Case{"hello-cpp-windows-386.exe",
                Machine::I386,
                32,
                {"KERNEL32.dll", "msvcrt.dll", "libgcc_s_dw2-1.dll", "libstdc++-6.dll"},
                {},
                {"libgcc_s_dw2-1.dll", "libstdc++-6.dll"}},
           Case{"hello-c-delayload-windows-386.exe", Machine::I386, 32, base, {"USER32.dll"}, {}},
       }) {
    SCOPED_TRACE(c.file);
    BinaryDeps deps = read_fixture(c.file);
    EXPECT_EQ(deps.header.format, BinaryFormat::Pe);
    EXPECT_EQ(deps.header.machines[0], c.machine);
    EXPECT_EQ(deps.header.bits, c.bits);
    EXPECT_EQ(deps.pe.imports, c.imports);
    EXPECT_EQ(deps.pe.delay_imports, c.delay_imports);
    Lines not_system;
    for (const auto* list : {&deps.pe.imports, &deps.pe.delay_imports})
      for (const std::string& dll : *list)
        if (!is_windows_system_dll(dll)) not_system.push_back(dll);
    EXPECT_EQ(not_system, c.not_system);
    EXPECT_FALSE(deps.elf.dynamic);
  }
}

TEST(BinaryDeps, WindowsSystemDlls) {
  for (const char* dll :
       {"KERNEL32.dll", "kernel32.DLL", "kernel32", "msvcrt.dll", "ucrtbase.dll", "USER32.dll", "GDI32.dll",
        "ADVAPI32.dll", "SHELL32.dll", "WS2_32.dll", "ole32.dll", "bcrypt.dll", "api-ms-win-crt-runtime-l1-1-0.dll",
        "API-MS-WIN-CORE-SYNCH-L1-2-0.DLL", "ext-ms-win-ntuser-window-l1-1-0.dll", "WINSPOOL.DRV"})
    EXPECT_TRUE(is_windows_system_dll(dll)) << dll;
  for (const char* dll : {"libstdc++-6.dll", "libgcc_s_seh-1.dll", "libgcc_s_dw2-1.dll", "libwinpthread-1.dll",
                          "vcruntime140.dll", "msvcp140.dll", "ucrtbased.dll", "zlib1.dll", "kernel32.dll.dll",
                          "kernel32.exe", "winspool.dll", "", "api-ms-win", "kernel33.dll"})
    EXPECT_FALSE(is_windows_system_dll(dll)) << dll;
}

TEST(BinaryDeps, FileThatIsNoProgram) {
  auto dir = read_binary_deps_file(std::string(XSHIP_TEST_DATA_DIR) + "/binaries");
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.error().category, ErrorCategory::Integrity);
  EXPECT_NE(dir.error().message.find("not a regular file"), std::string::npos);
  auto missing = read_binary_deps_file(std::string(XSHIP_TEST_DATA_DIR) + "/binaries/no-such-program");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().category, ErrorCategory::Runtime);
  auto text = read_binary_deps_file(std::string(XSHIP_TEST_DATA_DIR) + "/binaries/README.md");
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().category, ErrorCategory::Integrity);
  EXPECT_NE(text.error().message.find("README.md"), std::string::npos);
  // A Mach-O program: its header, and no dependencies read.
  auto macho = read_binary_deps(std::vector<unsigned char>{0xCF, 0xFA, 0xED, 0xFE, 0x0C, 0x00, 0x00, 0x01});
  ASSERT_TRUE(macho.ok());
  EXPECT_EQ(macho->header.format, BinaryFormat::MachO);
  EXPECT_TRUE(macho->elf.needed.empty() && macho->pe.imports.empty());
}
