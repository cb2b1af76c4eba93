// A program from tests/data/binaries loaded into memory, with just enough of a header
// walk to find the field a test wants to damage. Test-only: it trusts the fixture.
#pragma once
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace xship::test {

inline std::string fixture_path(const std::string& name) {
  return std::string(XSHIP_TEST_DATA_DIR) + "/binaries/" + name;
}

struct BinaryFixture {
  explicit BinaryFixture(const std::string& name) {
    std::ifstream in(fixture_path(name), std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
    if (bytes.size() < 64) ADD_FAILURE() << name << " is missing";
    little = bytes[0] == 'M' || bytes[5] == 1;
    is64 = bytes[4] == 2;
  }

  std::uint64_t get(std::size_t at, int n) const {
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= std::uint64_t{bytes.at(little ? at + i : at + n - 1 - i)} << 8 * i;
    return v;
  }
  void put(std::size_t at, int n, std::uint64_t v) {
    for (int i = 0; i < n; ++i) bytes.at(little ? at + i : at + n - 1 - i) = static_cast<unsigned char>(v >> 8 * i);
  }

  // ELF: e_shoff, e_shnum and e_shstrndx set to 0, as sstrip leaves a program.
  void drop_section_headers() {
    put(is64 ? 40 : 32, is64 ? 8 : 4, 0);
    put(is64 ? 60 : 48, 2, 0);
    put(is64 ? 62 : 50, 2, 0);
  }
  // ELF (64-bit): the file offset of the first section header of this type.
  std::size_t section_header(std::uint32_t type) const {
    std::size_t shoff = get(40, 8), shnum = get(60, 2);
    for (std::size_t i = 0; i < shnum; ++i)
      if (get(shoff + i * 64 + 4, 4) == type) return shoff + i * 64;
    ADD_FAILURE() << "no section of type " << type;
    return 0;
  }
  std::size_t section_data(std::uint32_t type) const { return get(section_header(type) + 24, 8); }
  // ELF (64-bit): the file offset of the dynamic entry with this tag.
  std::size_t dynamic_entry(std::uint64_t tag) const {
    std::size_t at = section_data(6);
    for (int i = 0; i < 100; ++i, at += 16)
      if (get(at, 8) == tag) return at;
    ADD_FAILURE() << "no dynamic entry " << tag;
    return 0;
  }

  // PE: the optional header's file offset and the file offset of an RVA.
  std::size_t optional_header() const { return get(0x3C, 4) + 24; }
  std::size_t data_directory(int index) const {
    std::size_t opt = optional_header();
    return opt + (get(opt, 2) == 0x20B ? 112 : 96) + 8 * index;
  }
  // PE: the section header holding `rva` (within its raw data), and the RVA's file offset.
  std::size_t pe_section(std::uint64_t rva) const {
    std::size_t pe = get(0x3C, 4), sections = optional_header() + get(pe + 20, 2);
    for (std::size_t i = 0; i < get(pe + 6, 2); ++i) {
      std::size_t s = sections + i * 40;
      if (rva >= get(s + 12, 4) && rva < get(s + 12, 4) + get(s + 16, 4)) return s;
    }
    ADD_FAILURE() << "RVA " << rva << " is in no section";
    return 0;
  }
  std::size_t pe_offset(std::uint64_t rva) const {
    std::size_t s = pe_section(rva);
    return get(s + 20, 4) + (rva - get(s + 12, 4));
  }

  std::vector<unsigned char> bytes;
  bool little = true, is64 = true;
};

}  // namespace xship::test
