#include "cross/binary_header.h"

#include <fmt/format.h>

#include <fstream>

namespace xship::cross {

namespace {

std::uint32_t read_u16(std::span<const unsigned char> b, std::size_t at, bool little) {
  return little ? b[at] | b[at + 1] << 8 : b[at] << 8 | b[at + 1];
}
std::uint32_t read_u32(std::span<const unsigned char> b, std::size_t at, bool little) {
  return little ? read_u16(b, at, true) | read_u16(b, at + 2, true) << 16
                : read_u16(b, at, false) << 16 | read_u16(b, at + 2, false);
}

Error truncated(const char* format) {
  return integrity_error(fmt::format("the {} header is cut short: the file is damaged or still being written", format));
}

Result<BinaryInfo> read_elf(std::span<const unsigned char> b) {
  if (b.size() < 20) return truncated("ELF");
  BinaryInfo info;
  info.format = BinaryFormat::Elf;
  info.bits = b[4] == 2 ? 64 : 32;
  bool little = b[5] == 1;
  info.raw_machine = read_u16(b, 18, little);
  Machine m = Machine::Unknown;
  switch (info.raw_machine) {
    case 3: m = Machine::I386; break;
    case 40: m = Machine::Arm; break;
    case 62: m = Machine::X86_64; break;
    case 183: m = Machine::Aarch64; break;
    case 243: m = info.bits == 64 ? Machine::Riscv64 : Machine::Unknown; break;
    case 21: m = little ? Machine::Ppc64le : Machine::Ppc64; break;
    case 22: m = info.bits == 64 ? Machine::S390x : Machine::Unknown; break;  // 32-bit is s390
  }
  info.machines = {m};
  return info;
}

Result<BinaryInfo> read_pe(std::span<const unsigned char> b) {
  if (b.size() < 0x40) return truncated("PE");
  std::uint32_t pe_at = read_u32(b, 0x3C, true);
  if (pe_at > b.size() || b.size() - pe_at < 6) return truncated("PE");
  if (b[pe_at] != 'P' || b[pe_at + 1] != 'E' || b[pe_at + 2] || b[pe_at + 3])
    return integrity_error("an MZ file without a PE signature (a DOS program?), not a Windows program");
  BinaryInfo info;
  info.format = BinaryFormat::Pe;
  info.raw_machine = read_u16(b, pe_at + 4, true);
  Machine m = Machine::Unknown;
  switch (info.raw_machine) {
    case 0x8664: m = Machine::X86_64; break;
    case 0x14c: m = Machine::I386; break;
    case 0xAA64: m = Machine::Aarch64; break;
    case 0x1c4: m = Machine::Arm; break;
  }
  info.bits = m == Machine::X86_64 || m == Machine::Aarch64 ? 64 : 32;
  info.machines = {m};
  return info;
}

Machine macho_machine(std::uint32_t cputype) {
  switch (cputype) {
    case 0x01000007: return Machine::X86_64;
    case 0x0100000C: return Machine::Aarch64;
    case 7: return Machine::I386;
    case 12: return Machine::Arm;
  }
  return Machine::Unknown;
}

Result<BinaryInfo> read_macho(std::span<const unsigned char> b, bool fat) {
  BinaryInfo info;
  info.format = BinaryFormat::MachO;
  if (fat) {  // big-endian: count, then 20-byte fat_arch records
    if (b.size() < 8) return truncated("Mach-O");
    std::uint32_t n = read_u32(b, 4, false);
    if (n == 0 || n > 32 || b.size() < 8 + 20ull * n) return truncated("Mach-O");
    for (std::uint32_t i = 0; i < n; ++i) info.machines.push_back(macho_machine(read_u32(b, 8 + 20 * i, false)));
    info.bits = 64;
    return info;
  }
  if (b.size() < 8) return truncated("Mach-O");
  info.raw_machine = read_u32(b, 4, true);
  info.bits = b[0] == 0xCF ? 64 : 32;
  info.machines = {macho_machine(info.raw_machine)};
  return info;
}

}  // namespace

Result<BinaryInfo> read_binary_header(std::span<const unsigned char> b) {
  if (b.size() >= 4 && b[0] == 0x7F && b[1] == 'E' && b[2] == 'L' && b[3] == 'F') return read_elf(b);
  if (b.size() >= 2 && b[0] == 'M' && b[1] == 'Z') return read_pe(b);
  if (b.size() >= 4 && (b[0] == 0xCF || b[0] == 0xCE) && b[1] == 0xFA && b[2] == 0xED && b[3] == 0xFE)
    return read_macho(b, false);
  if (b.size() >= 4 && b[0] == 0xCA && b[1] == 0xFE && b[2] == 0xBA && b[3] == 0xBE) return read_macho(b, true);
  return integrity_error("not a program: no ELF, PE or Mach-O header (a script, or an empty or damaged file?)");
}

Result<BinaryInfo> read_binary_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return runtime_error(fmt::format("cannot read '{}'", path));
  std::vector<unsigned char> bytes(4096);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  auto info = read_binary_header(bytes);
  if (!info) return integrity_error(fmt::format("'{}': {}", path, info.error().message));
  return info;
}

const char* machine_name(Machine m) {
  switch (m) {
    case Machine::X86_64: return "x86-64";
    case Machine::I386: return "i386";
    case Machine::Aarch64: return "aarch64";
    case Machine::Arm: return "arm";
    case Machine::Riscv64: return "riscv64";
    case Machine::Ppc64le: return "ppc64le";
    case Machine::Ppc64: return "ppc64";
    case Machine::S390x: return "s390x";
    case Machine::Unknown: return "unknown";
  }
  return "unknown";
}

const char* format_name(BinaryFormat f) {
  switch (f) {
    case BinaryFormat::Elf: return "ELF";
    case BinaryFormat::Pe: return "PE";
    case BinaryFormat::MachO: return "Mach-O";
  }
  return "";
}

std::string describe(const BinaryInfo& info) {
  std::string machines;
  for (Machine m : info.machines) {
    if (!machines.empty()) machines += "+";
    machines += m == Machine::Unknown ? fmt::format("machine {:#x}", info.raw_machine) : machine_name(m);
  }
  return fmt::format("{} {}-bit {}", format_name(info.format), info.bits, machines);
}

}  // namespace xship::cross
