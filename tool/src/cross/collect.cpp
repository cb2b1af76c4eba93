#include "cross/collect.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>

#include "cross/binary_deps.h"

namespace fs = std::filesystem;

namespace xship::cross {

namespace {

StageResult problem(StageProblem p, std::string message) {
  StageResult r;
  r.problem = p;
  r.message = std::move(message);
  return r;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

BinaryFormat expected_format(Os os) {
  switch (os) {
    case Os::Windows: return BinaryFormat::Pe;
    case Os::Darwin: return BinaryFormat::MachO;
    default: return BinaryFormat::Elf;
  }
}

// The file a program entry names: a path relative to one of the trees, or a name searched
// for in each tree in turn.
std::optional<std::string> locate_program(const StageRequest& req, const std::string& entry, const std::string& file) {
  bool is_path = entry.find('/') != std::string::npos;
  for (const auto& tree : req.search) {
    if (is_path) {
      fs::path p = fs::path(tree) / (entry + req.info->exe_suffix());
      if (fs::is_regular_file(p)) return p.string();
      continue;
    }
    std::string found = find_program_in(tree, file, req.stage);
    if (!found.empty()) return found;
  }
  return std::nullopt;
}

std::optional<std::string> locate_file(const StageRequest& req, const std::string& entry) {
  if (fs::path(entry).is_absolute()) return fs::exists(entry) ? std::optional(entry) : std::nullopt;
  std::vector<std::string> roots = req.search;
  roots.push_back(req.source);
  for (const auto& root : roots) {
    std::error_code ec;
    fs::path p = fs::path(root) / entry;
    if (fs::exists(fs::symlink_status(p, ec))) return p.string();
  }
  return std::nullopt;
}

bool has_binary_magic(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char m[4] = {};
  in.read(reinterpret_cast<char*>(m), 4);
  if (in.gcount() < 2) return false;
  bool elf = in.gcount() == 4 && m[0] == 0x7f && m[1] == 'E' && m[2] == 'L' && m[3] == 'F';
  return elf || (m[0] == 'M' && m[1] == 'Z');
}

// Copies a file keeping only "executable or not"; a directory with everything below it,
// symlinks as symlinks (the archive decides how to store them).
Status copy_in(const std::string& from, const fs::path& to) {
  std::error_code ec;
  auto st = fs::symlink_status(from, ec);
  if (fs::is_directory(st)) {
    fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::copy_symlinks, ec);
  } else {
    fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
    if (!ec) {
      bool exec = (fs::status(from).permissions() & fs::perms::owner_exec) != fs::perms::none;
      fs::permissions(to, exec ? fs::perms(0755) : fs::perms(0644), ec);
    }
  }
  if (ec) return runtime_error(fmt::format("cannot copy '{}' to '{}': {}", from, to.string(), ec.message()));
  return ok_status();
}

StageResult copy_programs_and_files(const StageRequest& req, std::vector<std::string>& programs) {
  std::error_code ec;
  std::set<std::string> taken;
  for (const auto& entry : req.programs) {
    std::string file = fs::path(entry).filename().string() + req.info->exe_suffix();
    auto found = locate_program(req, entry, file);
    if (!found)
      return problem(
          StageProblem::NoOutput,
          fmt::format("the build produced no program '{}' in '{}' (nor below it): check the program's name{}", file,
                      req.search.empty() ? "" : req.search.front(),
                      entry.find('/') == std::string::npos ? " (or give its path, e.g. src/" + entry + ")" : ""));
    if (!taken.insert(file).second)
      return problem(StageProblem::NoOutput, fmt::format("two programs are both named '{}': list each once", file));
    if (auto st = copy_in(*found, fs::path(req.stage) / file); !st)
      return problem(StageProblem::Io, st.error().message);
    programs.push_back(file);
  }
  for (const auto& entry : req.files) {
    auto found = locate_file(req, entry);
    if (!found)
      return problem(StageProblem::NoOutput,
                     fmt::format("file '{}' is not in the build tree nor in '{}': check the path", entry, req.source));
    std::string base = fs::path(*found).lexically_normal().filename().string();
    if (base.empty()) base = fs::path(*found).lexically_normal().parent_path().filename().string();
    if (base.empty() || !taken.insert(base).second)
      return problem(StageProblem::NoOutput,
                     fmt::format("'{}' would be stored as '{}', which is taken: rename one", entry, base));
    if (auto st = copy_in(*found, fs::path(req.stage) / base); !st)
      return problem(StageProblem::Io, st.error().message);
  }
  return {};
}

// A Windows program linked against a DLL the project itself built (lua.exe and lua54.dll)
// needs that DLL beside it, as Windows looks there first: found in the build tree, it is
// shipped. Runs until nothing more is found (a DLL may import another), at most 256 DLLs.
StageResult ship_project_dlls(const StageRequest& req) {
  std::error_code ec;
  for (int added = 0; added < 256;) {
    std::set<std::string> present;
    std::vector<std::pair<fs::path, std::string>> wanted;  // (directory in the stage, DLL)
    for (auto it = fs::recursive_directory_iterator(req.stage, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
      if (it->is_regular_file()) present.insert(lower(it->path().filename().string()));
    for (auto it = fs::recursive_directory_iterator(req.stage, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (!it->is_regular_file() || it->is_symlink() || !has_binary_magic(it->path().string())) continue;
      auto deps = read_binary_deps_file(it->path().string());
      if (!deps) continue;  // the checks after staging report it
      for (const auto& dll : deps->pe.imports)
        if (!is_windows_system_dll(dll) && !present.count(lower(dll)))
          wanted.push_back({it->path().parent_path(), dll});
    }
    bool found_any = false;
    for (const auto& [dir, dll] : wanted) {
      if (present.count(lower(dll))) continue;
      for (const auto& tree : req.search) {
        std::string found = find_program_in(tree, dll, req.stage);
        if (found.empty()) continue;
        if (auto st = copy_in(found, dir / dll); !st) return problem(StageProblem::Io, st.error().message);
        present.insert(lower(dll));
        found_any = true;
        ++added;
        break;
      }
    }
    if (!found_any) break;
  }
  return {};
}

// In an install tree, the programs are what the request names, else every executable in bin/.
StageResult find_installed_programs(const StageRequest& req, std::vector<std::string>& programs) {
  for (const auto& entry : req.programs) {
    std::string file = entry + req.info->exe_suffix();
    std::string found =
        entry.find('/') != std::string::npos
            ? (fs::is_regular_file(fs::path(req.stage) / file) ? (fs::path(req.stage) / file).string() : "")
            : find_program_in(req.stage, file, "");
    if (found.empty())
      return problem(
          StageProblem::NoOutput,
          fmt::format("the install tree has no program '{}': check its install() rules or the program's name", file));
    programs.push_back(fs::path(found).lexically_relative(req.stage).generic_string());
  }
  if (!req.programs.empty()) return {};
  std::error_code ec;
  for (auto it = fs::directory_iterator(fs::path(req.stage) / "bin", ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file() || it->is_symlink()) continue;
    bool exec = (it->status().permissions() & fs::perms::owner_exec) != fs::perms::none;
    if (exec || lower(it->path().extension().string()) == ".exe")
      programs.push_back("bin/" + it->path().filename().string());
  }
  return {};
}

struct Checked {
  std::string name;  // relative to the stage
  BinaryDeps deps;
};

StageResult check_machine(const StageRequest& req, const Checked& c) {
  const auto& h = c.deps.header;
  auto want = expected_format(req.info->target.os);
  if (h.format == want && std::find(h.machines.begin(), h.machines.end(), req.info->machine) != h.machines.end())
    return {};
  return problem(
      StageProblem::WrongMachine,
      fmt::format("'{}' is {}, not {} {}: the build did not use the {} toolchain (a compiler hard-coded in the "
                  "project?)",
                  c.name, describe(h), format_name(want), machine_name(req.info->machine), req.info->target.name()));
}

// What the release needs, with what it ships taken off; a DLL that is neither shipped nor
// part of Windows, or a glibc newer than allowed, makes it not portable.
StageResult summarise(const StageRequest& req, const std::vector<Checked>& binaries,
                      const std::set<std::string>& shipped) {
  StageResult r;
  std::set<std::string> libs, dlls;
  std::vector<int> best_glibc, best_glibcxx;
  for (const auto& c : binaries) {
    std::vector<std::string> imports = c.deps.pe.imports;  // a delay-loaded DLL is needed too, only later
    imports.insert(imports.end(), c.deps.pe.delay_imports.begin(), c.deps.pe.delay_imports.end());
    std::vector<std::string> foreign;
    for (const auto& dll : imports) {
      if (shipped.count(lower(dll))) continue;
      if (is_windows_system_dll(dll))
        dlls.insert(dll);
      else if (std::find(foreign.begin(), foreign.end(), dll) == foreign.end())
        foreign.push_back(dll);
    }
    if (!foreign.empty()) {
      std::string list;
      for (std::size_t i = 0; i < foreign.size(); ++i)
        list += (i == 0 ? "" : i + 1 == foreign.size() ? " and " : ", ") + foreign[i];
      return problem(
          StageProblem::NotPortable,
          fmt::format("'{}' imports {}, which {} not part of Windows and not in the release: link the runtime "
                      "statically (the default; --shared-runtime turns it off) or ship the DLL{} (--files)",
                      c.name, list, foreign.size() == 1 ? "is" : "are", foreign.size() == 1 ? "" : "s"));
    }
    if (!c.deps.elf.dynamic) continue;
    r.needs.dynamic = true;
    for (const auto& lib : c.deps.elf.needed)
      if (!shipped.count(lower(lib))) libs.insert(lib);
    for (auto [prefix, best, field] :
         {std::tuple{"GLIBC_", &best_glibc, &r.needs.glibc}, std::tuple{"GLIBCXX_", &best_glibcxx, &r.needs.glibcxx}}) {
      std::string v = highest_version(c.deps.elf, prefix);
      auto n = version_numbers(v, "");
      if (n && *n > *best) *best = *n, *field = v;
    }
  }
  r.needs.libraries.assign(libs.begin(), libs.end());
  r.needs.dlls.assign(dlls.begin(), dlls.end());
  if (req.max_glibc.empty() || r.needs.glibc.empty()) return r;
  auto limit = version_numbers(req.max_glibc, "");
  if (!limit || *version_numbers(r.needs.glibc, "") <= *limit) return r;
  for (const auto& c : binaries) {
    auto above = symbols_above(c.deps.elf, "GLIBC_", req.max_glibc, 5);
    if (!above || above->total == 0) continue;
    std::string list;
    for (const auto& s : above->shown) list += (list.empty() ? "" : ", ") + s;
    if (above->total > above->shown.size()) list += fmt::format(" and {} more", above->total - above->shown.size());
    return problem(
        StageProblem::NotPortable,
        fmt::format("'{}' needs glibc {}, above --max-glibc {}: {}; build against an older glibc (a --sysroot or "
                    "zig with a glibc version) or raise --max-glibc",
                    c.name, r.needs.glibc, req.max_glibc, list));
  }
  return r;
}

StageResult check_stage(const StageRequest& req, std::vector<std::string> programs) {
  std::vector<Checked> binaries;
  std::set<std::string> shipped;  // base names, lower case: what a DT_NEEDED or an import may name
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(req.stage, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_symlink() || !it->is_directory()) shipped.insert(lower(it->path().filename().string()));
    if (it->is_symlink() || !it->is_regular_file() || !has_binary_magic(it->path().string())) continue;
    std::string name = it->path().lexically_relative(req.stage).generic_string();
    auto deps = read_binary_deps_file(it->path().string());
    if (!deps) {
      // A file that merely starts with "MZ" (a text file, a data blob) is not a program.
      bool listed = std::find(programs.begin(), programs.end(), name) != programs.end();
      if (!listed) continue;
      return problem(StageProblem::WrongMachine,
                     fmt::format("'{}' is not a program xship can read: {}", name, deps.error().message));
    }
    binaries.push_back({name, std::move(*deps)});
  }
  if (ec) return problem(StageProblem::Io, fmt::format("cannot walk '{}': {}", req.stage, ec.message()));
  for (const auto& p : programs)
    if (std::none_of(binaries.begin(), binaries.end(), [&](const Checked& c) { return c.name == p; }))
      return problem(StageProblem::WrongMachine, fmt::format("'{}' is not an ELF or PE program", p));
  for (const auto& c : binaries)
    if (auto wrong = check_machine(req, c); wrong.problem != StageProblem::None) return wrong;
  StageResult r = summarise(req, binaries, shipped);
  if (r.problem != StageProblem::None) return r;
  std::sort(programs.begin(), programs.end());
  r.programs = std::move(programs);
  return r;
}

}  // namespace

std::string find_program_in(const std::string& tree, const std::string& file, const std::string& skip) {
  std::error_code ec;
  if (fs::is_regular_file(fs::path(tree) / file, ec)) return (fs::path(tree) / file).string();
  std::string best;
  int best_depth = 0;
  for (auto it = fs::recursive_directory_iterator(tree, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_directory() && !it->is_symlink()) {
      auto name = it->path().filename();
      if (name == "CMakeFiles" || name == ".git" || (!skip.empty() && it->path() == fs::path(skip)))
        it.disable_recursion_pending();
      continue;
    }
    if (it->path().filename() == file && it->is_regular_file() && (best.empty() || it.depth() < best_depth))
      best = it->path().string(), best_depth = it.depth();
  }
  return best;
}

StageResult stage_release(const StageRequest& req) {
  std::error_code ec;
  std::vector<std::string> programs;
  if (req.installed) {
    if (auto r = find_installed_programs(req, programs); r.problem != StageProblem::None) return r;
    for (const auto& entry : req.files) {  // FILES go beside the install tree's top directories
      auto found = locate_file(req, entry);
      if (!found)
        return problem(StageProblem::NoOutput,
                       fmt::format("file '{}' is not in '{}': check the path", entry, req.source));
      fs::path to = fs::path(req.stage) / fs::path(*found).lexically_normal().filename();
      if (fs::exists(fs::symlink_status(to, ec)))
        return problem(StageProblem::NoOutput,
                       fmt::format("'{}' is already in the install tree as '{}'", entry, to.filename().string()));
      if (auto st = copy_in(*found, to); !st) return problem(StageProblem::Io, st.error().message);
    }
  } else {
    fs::remove_all(req.stage, ec);
    fs::create_directories(req.stage, ec);
    if (ec) return problem(StageProblem::Io, fmt::format("cannot create '{}': {}", req.stage, ec.message()));
    if (auto r = copy_programs_and_files(req, programs); r.problem != StageProblem::None) return r;
    if (req.info->is_windows())
      if (auto r = ship_project_dlls(req); r.problem != StageProblem::None) return r;
  }
  return check_stage(req, std::move(programs));
}

}  // namespace xship::cross
