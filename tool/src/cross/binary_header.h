// What machine a program is for, read from its first bytes (ELF, PE/COFF, Mach-O), so a
// build that silently used the host compiler is caught without running `file`.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"

namespace xship::cross {

enum class BinaryFormat { Elf, Pe, MachO };

enum class Machine { X86_64, I386, Aarch64, Arm, Riscv64, Ppc64le, Ppc64, S390x, Unknown };

struct BinaryInfo {
  BinaryFormat format = BinaryFormat::Elf;
  std::vector<Machine> machines;  // one, except in a universal (fat) Mach-O
  int bits = 0;  // 32 or 64
  std::uint32_t raw_machine = 0;  // e_machine / COFF Machine / cputype, for Unknown
};

// Needs the first few hundred bytes (a PE header may sit further in: pass up to 4 KiB).
// An Integrity error when the bytes are none of the three formats or are cut short.
Result<BinaryInfo> read_binary_header(std::span<const unsigned char> bytes);
Result<BinaryInfo> read_binary_file(const std::string& path);

const char* machine_name(Machine m);  // "x86-64", "aarch64", ...
const char* format_name(BinaryFormat f);  // "ELF", "PE", "Mach-O"
std::string describe(const BinaryInfo& info);  // "ELF 64-bit aarch64"

}  // namespace xship::cross
