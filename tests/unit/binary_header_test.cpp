// Machine types from program headers: real compiler output (tests/data/binaries, the first
// bytes of each) and hand-made headers for what Debian cannot build (Mach-O).
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "cross/binary_header.h"

using namespace xship;
using namespace xship::cross;

namespace {

std::string fixture(const std::string& name) { return std::string(XSHIP_TEST_DATA_DIR) + "/binaries/" + name; }

std::vector<unsigned char> bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

TEST(BinaryHeader, RealElfAndPeOutputs) {
  struct Case {
    const char* file;
    BinaryFormat format;
    Machine machine;
    int bits;
    const char* text;
  };
  for (const Case& c : {Case{"elf-x86_64.bin", BinaryFormat::Elf, Machine::X86_64, 64, "ELF 64-bit x86-64"},
                        Case{"elf-aarch64.bin", BinaryFormat::Elf, Machine::Aarch64, 64, "ELF 64-bit aarch64"},
                        Case{"elf-arm.bin", BinaryFormat::Elf, Machine::Arm, 32, "ELF 32-bit arm"},
                        Case{"elf-i386.bin", BinaryFormat::Elf, Machine::I386, 32, "ELF 32-bit i386"},
                        Case{"elf-riscv64.bin", BinaryFormat::Elf, Machine::Riscv64, 64, "ELF 64-bit riscv64"},
                        Case{"elf-ppc64le.bin", BinaryFormat::Elf, Machine::Ppc64le, 64, "ELF 64-bit ppc64le"},
                        Case{"elf-s390x.bin", BinaryFormat::Elf, Machine::S390x, 64, "ELF 64-bit s390x"},
                        Case{"pe-amd64.bin", BinaryFormat::Pe, Machine::X86_64, 64, "PE 64-bit x86-64"},
                        Case{"pe-i386.bin", BinaryFormat::Pe, Machine::I386, 32, "PE 32-bit i386"}}) {
    SCOPED_TRACE(c.file);
    auto info = read_binary_file(fixture(c.file));
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_EQ(info->format, c.format);
    ASSERT_EQ(info->machines.size(), 1u);
    EXPECT_EQ(info->machines[0], c.machine);
    EXPECT_EQ(info->bits, c.bits);
    EXPECT_EQ(describe(*info), c.text);
  }
}

TEST(BinaryHeader, BigEndianPpc64IsNotPpc64le) {
  auto bytes = bytes_of(fixture("elf-ppc64le.bin"));
  bytes[5] = 2;  // EI_DATA: big-endian, so e_machine is read the other way round
  std::swap(bytes[18], bytes[19]);
  auto info = read_binary_header(bytes);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->machines[0], Machine::Ppc64);
}

TEST(BinaryHeader, MachOThinAndUniversal) {
  // mach_header_64 for arm64: magic 0xfeedfacf little-endian, cputype 0x0100000c.
  std::vector<unsigned char> thin = {0xCF, 0xFA, 0xED, 0xFE, 0x0C, 0x00, 0x00, 0x01, 0, 0, 0, 0};
  auto arm = read_binary_header(thin);
  ASSERT_TRUE(arm.ok()) << arm.error().message;
  EXPECT_EQ(arm->format, BinaryFormat::MachO);
  EXPECT_EQ(arm->machines, std::vector<Machine>{Machine::Aarch64});
  EXPECT_EQ(describe(*arm), "Mach-O 64-bit aarch64");

  // fat_header (big-endian): two fat_arch records, x86_64 then arm64.
  std::vector<unsigned char> fat = {0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 2};
  for (std::uint32_t cpu : {0x01000007u, 0x0100000Cu}) {
    for (int shift : {24, 16, 8, 0}) fat.push_back(static_cast<unsigned char>(cpu >> shift));
    fat.insert(fat.end(), 16, 0);
  }
  auto both = read_binary_header(fat);
  ASSERT_TRUE(both.ok()) << both.error().message;
  EXPECT_EQ(both->machines, (std::vector<Machine>{Machine::X86_64, Machine::Aarch64}));
  EXPECT_EQ(describe(*both), "Mach-O 64-bit x86-64+aarch64");
}

TEST(BinaryHeader, RejectsWhatIsNoProgram) {
  std::string script = "#!/bin/sh\necho hello\n";
  std::vector<unsigned char> sh(script.begin(), script.end());
  for (const auto& bytes : {std::vector<unsigned char>{}, sh, std::vector<unsigned char>{0x7F, 'E', 'L', 'F', 2, 1}}) {
    auto r = read_binary_header(bytes);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().category, ErrorCategory::Integrity);
  }
  // A PE whose e_lfanew points past the bytes, and an MZ stub with no PE signature.
  auto pe = bytes_of(fixture("pe-amd64.bin"));
  auto far = pe;
  far[0x3C] = 0xF0;
  EXPECT_FALSE(read_binary_header(far).ok());
  auto dos = pe;
  dos[0x80] = 'X';
  auto r = read_binary_header(dos);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("PE signature"), std::string::npos);
  std::vector<unsigned char> cut(pe.begin(), pe.begin() + 0x84);
  EXPECT_FALSE(read_binary_header(cut).ok());
}

TEST(BinaryHeader, UnknownMachinesShowTheirNumber) {
  auto bytes = bytes_of(fixture("elf-x86_64.bin"));
  bytes[18] = 0x08;  // EM_MIPS
  bytes[19] = 0;
  auto info = read_binary_header(bytes);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->machines[0], Machine::Unknown);
  EXPECT_EQ(describe(*info), "ELF 64-bit machine 0x8");
}

TEST(BinaryHeader, MissingFileIsARuntimeError) {
  auto r = read_binary_file(fixture("no-such-file"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().category, ErrorCategory::Runtime);
}
