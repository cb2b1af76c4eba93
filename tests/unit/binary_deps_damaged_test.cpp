// Damaged programs: real fixtures cut short or with one field changed by hand. Each is a
// one-line Integrity error naming the problem, never a crash or a read past the buffer
// (the ASan/UBSan build runs these too).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "binary_fixtures.h"
#include "cross/binary_deps.h"

using namespace xship;
using namespace xship::cross;
using xship::test::BinaryFixture;

namespace {

constexpr std::uint32_t kShtDynamic = 6, kShtDynstr = 3, kShtDynsym = 11, kShtVerneed = 0x6ffffffe,
                        kShtVersym = 0x6fffffff;
constexpr std::uint64_t kDtNeeded = 1, kDtStrtab = 5, kDtStrsz = 10, kDtDebug = 21, kDtGnuHash = 0x6ffffef5;

void expect_damaged(const std::vector<unsigned char>& bytes, const std::string& fragment) {
  auto r = read_binary_deps(bytes);
  ASSERT_FALSE(r.ok()) << "expected an error mentioning: " << fragment;
  EXPECT_EQ(r.error().category, ErrorCategory::Integrity);
  EXPECT_NE(r.error().message.find(fragment), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
}

const std::vector<const char*> kFixtures = {"hello-c-linux-amd64",
                                            "hello-cpp-linux-amd64",
                                            "hello-c-linux-arm64",
                                            "hello-cpp-linux-arm64",
                                            "hello-c-linux-s390x",
                                            "hello-cpp-linux-s390x",
                                            "hello-c-linux-arm",
                                            "hello-cpp-linux-arm",
                                            "hello-c-sysvhash-linux-s390x",
                                            "hello-c-sysvhash-linux-arm",
                                            "libgreet-linux-amd64.so",
                                            "hello-nolibc-static-linux-amd64",
                                            "hello-cpp-windows-amd64.exe",
                                            "hello-c-static-windows-amd64.exe",
                                            "hello-cpp-windows-386.exe",
                                            "hello-c-delayload-windows-386.exe"};

}  // namespace

TEST(BinaryDepsDamaged, EveryTruncationIsAnError) {
  // The loader maps every ELF PT_LOAD segment and PE section whole, so a program cut
  // anywhere is damaged even where the tables read here survive the cut.
  for (const char* name : kFixtures) {
    SCOPED_TRACE(name);
    BinaryFixture f(name);
    for (std::size_t size = 0; size < f.bytes.size(); size += 1 + size / 64) {
      auto r = read_binary_deps(std::span<const unsigned char>(f.bytes.data(), size));
      ASSERT_FALSE(r.ok()) << size;
      ASSERT_EQ(r.error().category, ErrorCategory::Integrity) << size;
    }
    ASSERT_TRUE(read_binary_deps(f.bytes).ok());
  }
}

TEST(BinaryDepsDamaged, ElfHeadersPointingOutside) {
  for (const char* name : {"hello-c-linux-amd64", "hello-c-linux-s390x"}) {  // little- and big-endian
    SCOPED_TRACE(name);
    BinaryFixture base(name);
    auto damaged = [&](auto change, const std::string& fragment) {
      BinaryFixture f = base;
      change(f);
      expect_damaged(f.bytes, fragment);
    };
    damaged([](BinaryFixture& f) { f.put(32, 8, f.bytes.size() - 8); }, "program header table");
    damaged([](BinaryFixture& f) { f.put(40, 8, ~std::uint64_t{0} - 100); }, "section header table");
    damaged([](BinaryFixture& f) { f.put(54, 2, 8); }, "program header entries of 8 bytes");
    damaged([](BinaryFixture& f) { f.put(56, 2, 0xFFFF); }, "PN_XNUM");
    damaged([](BinaryFixture& f) { f.bytes[4] = 3; }, "unknown class");
    damaged([](BinaryFixture& f) { f.put(f.section_header(kShtDynamic) + 40, 4, 999); }, "no string table");
    damaged([](BinaryFixture& f) { f.put(f.section_header(kShtDynsym) + 32, 8, std::uint64_t{1} << 40); },
            "dynamic symbol table");
    damaged([](BinaryFixture& f) { f.put(f.section_header(kShtVersym) + 32, 8, 2); }, "fewer entries");
    damaged([](BinaryFixture& f) { f.put(f.section_header(kShtDynamic) + 32, 8, 16); }, "no DT_NULL");
    damaged([](BinaryFixture& f) { f.put(f.dynamic_entry(kDtNeeded) + 8, 8, 0xFFFFFF00); }, "DT_NEEDED name");
  }
}

TEST(BinaryDepsDamaged, ElfNamesMustEndInsideTheirTableAndBePrintable) {
  BinaryFixture base("hello-c-linux-s390x");
  std::size_t strtab = base.section_header(kShtDynstr);  // the first: .dynstr comes before .shstrtab
  std::uint64_t needed = base.get(base.dynamic_entry(kDtNeeded) + 8, 8);  // "libc.so.6"
  BinaryFixture cut = base;
  cut.put(strtab + 32, 8, needed + 4);
  expect_damaged(cut.bytes, "not NUL-terminated");
  BinaryFixture control = base;
  control.bytes.at(base.get(strtab + 24, 8) + needed) = 0x1B;  // ESC in place of the 'l'
  expect_damaged(control.bytes, "not printable ASCII");
  BinaryFixture high = base;
  high.bytes.at(base.get(strtab + 24, 8) + needed) = 0xC3;
  expect_damaged(high.bytes, "not printable ASCII");
}

TEST(BinaryDepsDamaged, VersionNeedChainsEnd) {
  // hello-c-linux-amd64 has one version-needs entry (libc.so.6) with two versions.
  BinaryFixture base("hello-c-linux-amd64");
  std::size_t header = base.section_header(kShtVerneed), table = base.section_data(kShtVerneed);
  auto damaged = [&](auto change, const std::string& fragment) {
    BinaryFixture f = base;
    change(f);
    expect_damaged(f.bytes, fragment);
    BinaryFixture g = f;  // the loader's view reads the same table through DT_VERNEED
    g.drop_section_headers();
    if (f.get(header + 44, 4) == base.get(header + 44, 4)) expect_damaged(g.bytes, fragment);
  };
  // A count past the one real entry: its vn_next of 0 would point back at itself.
  damaged([&](BinaryFixture& f) { f.put(header + 44, 4, 2); }, "loops or overlaps (vn_next 0)");
  damaged([&](BinaryFixture& f) { f.put(header + 44, 4, 0xFFFFFFFF); }, "version-needs table of 4294967295");
  damaged([&](BinaryFixture& f) { f.put(header + 44, 4, 2), f.put(table + 12, 4, 8); }, "vn_next 8");
  // vn_cnt of 65535 with two real versions: the second's vna_next of 0 ends the walk.
  damaged([&](BinaryFixture& f) { f.put(table + 2, 2, 0xFFFF); }, "loop or overlap (vna_next 0)");
  damaged([&](BinaryFixture& f) { f.put(table + 8, 4, 0); }, "overlaps its versions");
  damaged([&](BinaryFixture& f) { f.put(table + 8, 4, 0xFFFFFFF0); }, "version-needs version entry");
  damaged([&](BinaryFixture& f) { f.put(table + 16 + 8, 4, 0xFFFFFFF0); }, "version name");
}

TEST(BinaryDepsDamaged, LoaderViewTagsChecked) {
  BinaryFixture base("hello-cpp-linux-amd64");
  auto damaged = [&](auto change, const std::string& fragment) {
    BinaryFixture f = base;
    change(f);
    f.drop_section_headers();
    expect_damaged(f.bytes, fragment);
  };
  damaged([](BinaryFixture& f) { f.put(f.dynamic_entry(kDtStrtab) + 8, 8, 0x7FFFFFFF0000); }, "in no loaded segment");
  damaged([](BinaryFixture& f) { f.put(f.dynamic_entry(kDtStrsz) + 8, 8, 0x7FFFFFFF); }, "runs past its segment");
  damaged([](BinaryFixture& f) { f.put(f.dynamic_entry(kDtStrsz), 8, kDtDebug); }, "without DT_STRSZ");
  damaged([](BinaryFixture& f) { f.put(f.dynamic_entry(kDtGnuHash), 8, kDtDebug); }, "no DT_HASH or DT_GNU_HASH");
  std::size_t gnu_hash = base.section_data(0x6ffffff6);
  damaged([&](BinaryFixture& f) { f.put(gnu_hash, 4, 0xFFFFFFFF); }, "GNU hash table of 4294967295 buckets");
  damaged([&](BinaryFixture& f) { f.put(gnu_hash + 8, 4, 0x00FFFFFF); }, "GNU hash");
}

TEST(BinaryDepsDamaged, PeHeadersAndDirectoriesPointingOutside) {
  BinaryFixture base("hello-cpp-windows-amd64.exe");
  auto damaged = [&](auto change, const std::string& fragment) {
    BinaryFixture f = base;
    change(f);
    expect_damaged(f.bytes, fragment);
  };
  std::size_t coff = base.get(0x3C, 4) + 4;
  damaged([](BinaryFixture& f) { f.put(0x3C, 4, 0xFFFFFF00); }, "PE");
  damaged([&](BinaryFixture& f) { f.put(coff + 2, 2, 0xFFFF); }, "section table");
  damaged([&](BinaryFixture& f) { f.put(coff + 16, 2, 0xFFFF); }, "optional header");
  damaged([&](BinaryFixture& f) { f.put(f.optional_header(), 2, 0x107); }, "optional header magic 0x107");
  damaged([&](BinaryFixture& f) { f.put(f.data_directory(1), 4, 0x7FFFFFF0); }, "import directory at RVA");
  // .idata holds 0x94c bytes at RVA 0x8000 (objdump -h), padded to 0xa00 in the file: cut
  // to its content, 8 bytes before the end leave no room for the all-zero end descriptor.
  damaged(
      [&](BinaryFixture& f) {
        f.put(f.pe_section(0x8000) + 16, 4, 0x94c);
        f.put(f.data_directory(1), 4, 0x8000 + 0x94c - 8);
      },
      "no end entry");
  std::size_t first = base.pe_offset(base.get(base.data_directory(1), 4));
  damaged([&](BinaryFixture& f) { f.put(first + 12, 4, 0x7FFFFFF0); }, "DLL name at RVA");
  damaged([&](BinaryFixture& f) { f.bytes.at(f.pe_offset(f.get(first + 12, 4))) = 0; }, "empty DLL name");
  damaged([&](BinaryFixture& f) { f.bytes.at(f.pe_offset(f.get(first + 12, 4))) = '\n'; }, "not printable");
}

TEST(BinaryDepsDamaged, OldStyleDelayLoadAddresses) {
  // Delay-load descriptors without attribute bit 0 (VC6) hold virtual addresses.
  BinaryFixture f("hello-c-delayload-windows-386.exe");
  std::size_t descriptor = f.pe_offset(f.get(f.data_directory(13), 4));
  std::uint64_t image_base = f.get(f.optional_header() + 28, 4);
  ASSERT_EQ(f.get(descriptor, 4), 1u);  // lld writes RVAs
  f.put(descriptor, 4, 0);
  f.put(descriptor + 4, 4, f.get(descriptor + 4, 4) + image_base);
  auto deps = read_binary_deps(f.bytes);
  ASSERT_TRUE(deps.ok()) << deps.error().message;
  EXPECT_EQ(deps->pe.delay_imports, std::vector<std::string>{"USER32.dll"});
  f.put(descriptor + 4, 4, 0x1000);  // an address below the image
  expect_damaged(f.bytes, "delay-load DLL name at address 0x1000");
}
