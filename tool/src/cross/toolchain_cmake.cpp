// The CMake side of a toolchain: the file `xship toolchain` prints and `xship build`
// writes per target.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cross/toolchain.h"

namespace xship::cross {

namespace {

// A CMake quoted argument: backslash, quote and dollar escaped.
std::string cmake_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '\\' || c == '"' || c == '$') out += '\\';
    out += c;
  }
  return out + "\"";
}

// A list element: its ';' must not split it (WINEPATH holds two directories).
std::string cmake_list_element(std::string s) {
  for (std::size_t at = 0; (at = s.find(';', at)) != std::string::npos; at += 2) s.insert(at, "\\");
  return cmake_quote(s);
}

std::string cmake_set(const std::string& var, const std::vector<std::string>& values) {
  std::string s = "set(" + var;
  for (const auto& v : values) s += " " + cmake_list_element(v);
  return s + ")\n";
}

const char* kind_name(CompilerKind k) {
  switch (k) {
    case CompilerKind::Gcc: return "Debian's cross gcc";
    case CompilerKind::Clang: return "clang with a user sysroot";
    case CompilerKind::Zig: return "zig";
    case CompilerKind::UserFile: return "a user toolchain file";
  }
  return "";
}

void cmake_compilers(std::string& s, const Toolchain& tc) {
  const TargetInfo& info = *tc.info;
  if (info.target != host_target()) {
    s += cmake_set("CMAKE_SYSTEM_NAME", {info.cmake_system});
    s += cmake_set("CMAKE_SYSTEM_PROCESSOR", {info.cmake_processor});
  }
  s += cmake_set("CMAKE_C_COMPILER", {tc.cc});
  s += cmake_set("CMAKE_CXX_COMPILER", {tc.cxx});
  if (!tc.cc_args.empty()) s += cmake_set("CMAKE_C_COMPILER_ARG1", {fmt::format("{}", fmt::join(tc.cc_args, " "))});
  if (!tc.cxx_args.empty()) s += cmake_set("CMAKE_CXX_COMPILER_ARG1", {fmt::format("{}", fmt::join(tc.cxx_args, " "))});
  if (!tc.compiler_target.empty()) {
    s += cmake_set("CMAKE_C_COMPILER_TARGET", {tc.compiler_target});
    s += cmake_set("CMAKE_CXX_COMPILER_TARGET", {tc.compiler_target});
  }
  if (!tc.sysroot.empty())
    s += cmake_set(info.target.os == Os::Darwin ? "CMAKE_OSX_SYSROOT" : "CMAKE_SYSROOT", {tc.sysroot});
  for (const auto& [var, value] : {std::pair{"CMAKE_AR", &tc.ar},
                                   {"CMAKE_RANLIB", &tc.ranlib},
                                   {"CMAKE_STRIP", &tc.strip},
                                   {"CMAKE_RC_COMPILER", &tc.rc}})
    if (!value->empty()) s += cmake_set(var, {*value});
  if (!tc.library_architecture.empty()) s += cmake_set("CMAKE_LIBRARY_ARCHITECTURE", {tc.library_architecture});
  if (!tc.find_root.empty()) {
    // Libraries, headers and packages from the target's roots only; programs from the host.
    s += cmake_set("CMAKE_FIND_ROOT_PATH", tc.find_root);
    s += "set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)\n";
    for (const char* kind : {"LIBRARY", "INCLUDE", "PACKAGE"})
      s += fmt::format("set(CMAKE_FIND_ROOT_PATH_MODE_{} ONLY)\n", kind);
  }
  if (!tc.pkg_config_libdir.empty())
    s += fmt::format("set(ENV{{PKG_CONFIG_LIBDIR}} {})\n", cmake_quote(tc.pkg_config_libdir));
  if (std::string root = tc.sysroot.empty() ? tc.lib_sysroot : tc.sysroot; !root.empty())
    s += fmt::format("set(ENV{{PKG_CONFIG_SYSROOT_DIR}} {})\n", cmake_quote(root));
  if (tc.runnable && !tc.emulator.empty()) {
    std::vector<std::string> emu;
    if (!tc.emulator_env.empty()) emu.push_back("/usr/bin/env");
    for (const auto& [k, v] : tc.emulator_env) emu.push_back(k + "=" + v);
    emu.insert(emu.end(), tc.emulator.begin(), tc.emulator.end());
    s += "# ctest and try_run start the target's programs through this.\n";
    s += cmake_set("CMAKE_CROSSCOMPILING_EMULATOR", emu);
  }
  if (!tc.link_flags.empty())
    s += cmake_set("CMAKE_EXE_LINKER_FLAGS_INIT", {fmt::format("{}", fmt::join(tc.link_flags, " "))}) +
         cmake_set("CMAKE_SHARED_LINKER_FLAGS_INIT", {fmt::format("{}", fmt::join(tc.link_flags, " "))});
}

}  // namespace

std::string cmake_toolchain(const Toolchain& tc, const BuildFlags& flags) {
  const TargetInfo& info = *tc.info;
  Target t = info.target;
  std::string s = fmt::format("# CMake toolchain for {} ({}), written by xship.\n", t.name(), kind_name(tc.kind));
  if (tc.kind == CompilerKind::UserFile)
    s += fmt::format("include({})\n", cmake_quote(tc.user_file));
  else
    cmake_compilers(s, tc);

  // Directory properties, not *_FLAGS_INIT: those are cached at the first configure and
  // would keep an old commit's version forever.
  s += "\n# What the program knows about itself, as CMake variables and string-literal definitions\n"
       "# (-DXSHIP_VERSION=... on the cmake command line wins).\n";
  s += fmt::format("if(NOT DEFINED XSHIP_VERSION)\n  set(XSHIP_VERSION {})\nendif()\n",
                   cmake_quote(clean_stamp_value(flags.stamp.version)));
  s += fmt::format("if(NOT DEFINED XSHIP_COMMIT)\n  set(XSHIP_COMMIT {})\nendif()\n",
                   cmake_quote(clean_stamp_value(flags.stamp.commit)));
  s += cmake_set("XSHIP_OS", {os_name(t.os)}) + cmake_set("XSHIP_ARCH", {arch_name(t.arch)});
  std::vector<std::string> defs;
  for (const char* var : {"XSHIP_VERSION", "XSHIP_COMMIT", "XSHIP_OS", "XSHIP_ARCH"})
    defs.push_back(fmt::format("\"{0}=\\\"${{{0}}}\\\"\"", var));
  s += "add_compile_definitions(" + fmt::format("{}", fmt::join(defs, " ")) + ")\n";
  // C/C++/ASM only: windres (a Windows project's .rc files) rejects the option.
  s += "# Reproducible: no absolute source or build paths in the output.\n"
       "add_compile_options(\"$<$<COMPILE_LANGUAGE:C,CXX,ASM>:-ffile-prefix-map=${CMAKE_SOURCE_DIR}=.>\"\n"
       "                    \"$<$<COMPILE_LANGUAGE:C,CXX,ASM>:-ffile-prefix-map=${CMAKE_BINARY_DIR}=build>\")\n";
  s += fmt::format("set(ENV{{SOURCE_DATE_EPOCH}} {})\n", flags.stamp.epoch);
  if (auto rt = runtime_link_flags(t, flags); !rt.empty()) {
    // Linux: programs only (a shared library with its own libstdc++ copy would not share
    // the program's); Windows: DLLs too, since they would import the runtime DLLs as well.
    bool programs_only = flags.static_link || t.os != Os::Windows;
    std::string opts = fmt::format("{}", fmt::join(rt, ";"));
    if (programs_only) opts = "$<$<STREQUAL:$<TARGET_PROPERTY:TYPE>,EXECUTABLE>:" + opts + ">";
    s += fmt::format("add_link_options(\"{}\")\n", opts);
  }
  for (const auto& [lang, value] : {std::pair{"C", &flags.cflags}, {"CXX", &flags.cxxflags}}) {
    if (value->empty()) continue;
    s += fmt::format(
        "separate_arguments(_xship_{0}flags UNIX_COMMAND {1})\n"
        "add_compile_options(\"$<$<COMPILE_LANGUAGE:{0}>:${{_xship_{0}flags}}>\")\n",
        lang, cmake_quote(*value));
  }
  if (!flags.ldflags.empty())
    s += fmt::format("separate_arguments(_xship_ldflags UNIX_COMMAND {})\nadd_link_options(${{_xship_ldflags}})\n",
                     cmake_quote(flags.ldflags));
  return s;
}

}  // namespace xship::cross
