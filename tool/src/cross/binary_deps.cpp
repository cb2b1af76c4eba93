#include "cross/binary_deps.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace xship::cross {

Result<BinaryDeps> read_binary_deps(std::span<const unsigned char> file) {
  auto header = read_binary_header(file);
  XSHIP_TRY(header);
  BinaryDeps deps{*header, {}, {}};
  if (header->format == BinaryFormat::Elf) {
    auto elf = read_elf_deps(file);
    XSHIP_TRY(elf);
    deps.elf = std::move(*elf);
  } else if (header->format == BinaryFormat::Pe) {
    auto pe = read_pe_deps(file);
    XSHIP_TRY(pe);
    deps.pe = std::move(*pe);
  }
  return deps;
}

Result<BinaryDeps> read_binary_deps_file(const std::string& path) {
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (ec) return runtime_error(fmt::format("cannot read '{}': {}", path, ec.message()));
  if (!std::filesystem::is_regular_file(status))
    return integrity_error(fmt::format("'{}' is not a regular file: expected a built program", path));
  std::ifstream in(path, std::ios::binary);
  if (!in) return runtime_error(fmt::format("cannot open '{}' for reading", path));
  // Read to the end rather than trusting the size seen above: the file may still grow.
  std::vector<unsigned char> data;
  std::vector<char> chunk(1 << 20);
  while (in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || in.gcount() > 0) {
    data.insert(data.end(), chunk.begin(), chunk.begin() + in.gcount());
    if (data.size() > kMaxBinaryFileBytes)
      return integrity_error(
          fmt::format("'{}' is over {} MiB: too large to be read as a program", path, kMaxBinaryFileBytes >> 20));
  }
  if (in.bad()) return runtime_error(fmt::format("cannot read '{}': an I/O error", path));
  auto deps = read_binary_deps(data);
  if (!deps) return Error{deps.error().category, fmt::format("'{}': {}", path, deps.error().message)};
  return deps;
}

std::optional<std::vector<int>> version_numbers(std::string_view version, std::string_view prefix) {
  if (!version.starts_with(prefix)) return std::nullopt;
  std::string_view rest = version.substr(prefix.size());
  std::vector<int> numbers;
  while (true) {
    std::size_t end = std::min(rest.find('.'), rest.size());
    std::string_view part = rest.substr(0, end);
    if (part.empty() || part.size() > 9 ||
        !std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return std::nullopt;
    int n = 0;
    for (char c : part) n = n * 10 + (c - '0');
    numbers.push_back(n);
    if (end == rest.size()) return numbers;
    rest.remove_prefix(end + 1);
  }
}

namespace {

// -1, 0, 1 as a is below, equal to or above b; missing numbers count as 0 (2.31 == 2.31.0).
int compare_versions(const std::vector<int>& a, const std::vector<int>& b) {
  for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    int x = i < a.size() ? a[i] : 0, y = i < b.size() ? b[i] : 0;
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

std::string join(const std::vector<int>& numbers) {
  std::string out;
  for (int n : numbers) out += (out.empty() ? "" : ".") + std::to_string(n);
  return out;
}

}  // namespace

std::string highest_version(const ElfDeps& elf, std::string_view prefix) {
  std::optional<std::vector<int>> best;
  for (const VersionNeed& need : elf.versions) {
    auto v = version_numbers(need.version, prefix);
    if (v && (!best || compare_versions(*v, *best) > 0)) best = std::move(v);
  }
  return best ? join(*best) : "";
}

Result<SymbolsAbove> symbols_above(const ElfDeps& elf, std::string_view prefix, std::string_view max, std::size_t cap) {
  auto limit = version_numbers(max, "");
  if (!limit) return usage_error(fmt::format("'{}' is not a version such as 2.31", max.substr(0, 64)));
  std::vector<std::string> found;
  for (const VersionNeed& need : elf.versions) {
    auto v = version_numbers(need.version, prefix);
    if (!v || compare_versions(*v, *limit) <= 0) continue;
    for (const std::string& symbol : need.symbols) found.push_back(fmt::format("{} ({})", symbol, need.version));
    // A version with no symbol bound to it still needs that library version: name the library.
    if (need.symbols.empty()) found.push_back(fmt::format("{} ({})", need.library, need.version));
  }
  std::sort(found.begin(), found.end());
  SymbolsAbove out;
  out.total = found.size();
  found.resize(std::min(found.size(), cap));
  out.shown = std::move(found);
  return out;
}

}  // namespace xship::cross
