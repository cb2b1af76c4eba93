#include "cross/toolchain.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "process/process.h"

namespace fs = std::filesystem;

namespace xship::cross {

namespace {

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (const auto& x : v) out += (out.empty() ? "" : sep) + x;
  return out;
}

std::string append_flags(std::string a, const std::string& b) {
  if (b.empty()) return a;
  return a.empty() ? b : a + " " + b;
}

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

std::string program_or_name(const Host& host, const std::string& name) { return host.find_program(name).value_or(name); }

// The directory holding the -posix libstdc++/libgcc DLLs a dynamically linked mingw
// program needs at run time; the newest gcc version when several are installed.
std::string mingw_dll_dir(const TargetInfo& info, const Host& host) {
  std::string base = fmt::format("/usr/lib/gcc/{}", info.triple);
  auto names = host.list_dir(base);
  std::sort(names.begin(), names.end());
  for (auto it = names.rbegin(); it != names.rend(); ++it)
    if (it->ends_with("-posix")) return base + "/" + *it;
  return "";
}

void resolve_emulator(Toolchain& tc, const TargetInfo& info, const Host& host) {
  std::string name = info.target.name();
  if (!info.emulator) {
    tc.not_runnable = fmt::format("nothing runs {} programs on this machine", name);
    return;
  }
  if (!*info.emulator) {
    tc.runnable = true;
    return;
  }
  auto emu = host.find_program(info.emulator);
  if (!emu) {
    tc.not_runnable = fmt::format("{} not found: install it with '{}'", info.emulator,
                                  apt_install_line(info.emulator_packages, host.root));
    return;
  }
  if (info.is_windows()) {
    // Debian's wine wrapper, without wine32, "runs" a 32-bit program by exiting 0 having
    // run nothing: look for the loader that can really start it.
    bool pe32 = info.machine == Machine::I386;
    const char* loader = pe32 ? "/usr/lib/wine/wine" : "/usr/lib/wine/wine64";
    if (host.exists("/usr/lib/wine") && !host.exists(loader)) {
      tc.not_runnable = pe32 ? "wine cannot start 32-bit programs here (no wine32): install it with "
                               "'dpkg --add-architecture i386 && apt-get update && apt-get install wine32:i386'"
                             : fmt::format("wine64 is missing: install it with '{}'", apt_install_line("wine64", host.root));
      return;
    }
    tc.emulator = {*emu};
    // err+module: a program that cannot start says which DLL it misses (with -all alone it
    // just exits 53); -all keeps Debian's "wine32 is missing" hint off every run.
    tc.emulator_env["WINEDEBUG"] = "-all,err+module";
    std::string dlls = mingw_dll_dir(info, host);
    tc.emulator_env["WINEPATH"] = (dlls.empty() ? "" : dlls + ";") + fmt::format("/usr/{}/lib", info.triple);
  } else {
    // -E LD_LIBRARY_PATH keeps the target's ld.so off the host's ld.so.cache (programs
    // hung at 100% CPU without it); the multiarch directory serves libraries like zlib.
    std::string libs = fmt::format("/usr/{}/lib", info.triple);
    if (!tc.lib_sysroot.empty()) libs += fmt::format(":{0}/lib/{1}:{0}/usr/lib/{1}", tc.lib_sysroot, info.multiarch);
    else if (*info.multiarch) libs += fmt::format(":/lib/{0}:/usr/lib/{0}", info.multiarch);
    tc.emulator = {*emu, "-L", fmt::format("/usr/{}", info.triple), "-E", "LD_LIBRARY_PATH=" + libs};
  }
  tc.runnable = true;
}

Result<Toolchain> resolve_debian(const TargetInfo& info, const Host& host) {
  Toolchain tc;
  tc.info = &info;
  auto cc = host.find_program(info.cc), cxx = host.find_program(info.cxx);
  if (!cc || !cxx)
    return runtime_error(fmt::format("{}: {} not found: install it with '{}' (or run 'xship deps --targets {} --install')",
                                   info.target.name(), cc ? info.cxx : info.cc, apt_install_line(info.packages, host.root),
                                   info.target.name()));
  tc.cc = *cc;
  tc.cxx = *cxx;
  // The host's too: a Makefile handing $(RANLIB) to its own (lua's) must not get "".
  std::string p = info.tool_prefix;
  tc.ar = program_or_name(host, p + "ar");
  tc.ranlib = program_or_name(host, p + "ranlib");
  tc.strip = program_or_name(host, p + "strip");
  if (info.target == host_target()) return tc;
  if (info.is_windows()) tc.rc = program_or_name(host, p + "windres");
  tc.find_root = {fmt::format("/usr/{}", info.triple)};
  std::string own = *info.multiarch ? private_sysroot(info.target, host.env) : "";
  if (!own.empty() && host.exists(own)) {
    // Libraries `xship deps` unpacked from downloaded packages; the headers and .pc files
    // say /usr, so pkg-config is told where that /usr really is.
    tc.find_root.push_back(own);
    tc.library_architecture = info.multiarch;
    tc.lib_sysroot = own;
    tc.pkg_config_libdir = fmt::format("{0}/usr/lib/{1}/pkgconfig:{0}/usr/share/pkgconfig", own, info.multiarch);
  } else if (*info.multiarch) {
    // Debian multiarch: target libraries in /usr/lib/<multiarch>, headers under /usr/include.
    tc.find_root.push_back("/");
    tc.library_architecture = info.multiarch;
    tc.pkg_config_libdir = fmt::format("/usr/lib/{}/pkgconfig:/usr/share/pkgconfig", info.multiarch);
  } else {
    tc.pkg_config_libdir = fmt::format("/usr/{}/lib/pkgconfig", info.triple);
  }
  return tc;
}

Result<Toolchain> resolve_sdk(const TargetInfo& info, const Host& host, std::string sysroot) {
  Toolchain tc;
  tc.info = &info;
  std::string name = info.target.name();
  std::string var = fmt::format("XSHIP_SYSROOT_{}_{}", upper(os_name(info.target.os)), upper(arch_name(info.target.arch)));
  if (sysroot.empty()) sysroot = host.env(var).value_or("");
  if (!sysroot.empty()) {
    if (!host.exists(sysroot))
      return usage_error(fmt::format("{}: sysroot '{}' does not exist: point --sysroot {}=DIR or {} at {}", name, sysroot,
                                     name, var, info.sdk_hint));
    auto clang = host.find_program("clang"), clangxx = host.find_program("clang++");
    const char* linker = info.target.os == Os::Darwin ? "ld64.lld" : "ld.lld";
    if (!clang || !clangxx || !host.find_program(linker))
      return runtime_error(fmt::format("{}: building with a sysroot needs clang and {}: install them with '{}'", name, linker,
                                     apt_install_line("clang lld", host.root)));
    tc.kind = CompilerKind::Clang;
    tc.cc = *clang;
    tc.cxx = *clangxx;
    tc.compiler_target = info.clang_triple;
    tc.sysroot = sysroot;
    tc.link_flags = {"-fuse-ld=lld"};
    if (auto ar = host.find_program("llvm-ar")) tc.ar = *ar;
    if (auto ranlib = host.find_program("llvm-ranlib")) tc.ranlib = *ranlib;
    tc.find_root = {sysroot};
    tc.pkg_config_libdir = fmt::format("{0}/usr/lib/pkgconfig:{0}/usr/share/pkgconfig:{0}/usr/libdata/pkgconfig", sysroot);
  } else if (auto zig = info.zig_target ? host.find_program("zig") : std::nullopt) {
    tc.kind = CompilerKind::Zig;
    tc.cc = tc.cxx = *zig;
    tc.cc_args = {"cc", "-target", info.zig_target};
    tc.cxx_args = {"c++", "-target", info.zig_target};
  } else {
    return usage_error(fmt::format("{} has no Debian toolchain: pass --sysroot {}=DIR or set {} to {} (built with clang "
                                   "and lld){}", name, name, var, info.sdk_hint,
                                   info.zig_target ? ", or put zig on PATH" : ""));
  }
  return tc;
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
  if (!tc.cc_args.empty()) s += cmake_set("CMAKE_C_COMPILER_ARG1", {join(tc.cc_args, " ")});
  if (!tc.cxx_args.empty()) s += cmake_set("CMAKE_CXX_COMPILER_ARG1", {join(tc.cxx_args, " ")});
  if (!tc.compiler_target.empty()) {
    s += cmake_set("CMAKE_C_COMPILER_TARGET", {tc.compiler_target});
    s += cmake_set("CMAKE_CXX_COMPILER_TARGET", {tc.compiler_target});
  }
  if (!tc.sysroot.empty()) s += cmake_set(info.target.os == Os::Darwin ? "CMAKE_OSX_SYSROOT" : "CMAKE_SYSROOT", {tc.sysroot});
  for (const auto& [var, value] : {std::pair{"CMAKE_AR", &tc.ar}, {"CMAKE_RANLIB", &tc.ranlib}, {"CMAKE_STRIP", &tc.strip},
                                   {"CMAKE_RC_COMPILER", &tc.rc}})
    if (!value->empty()) s += cmake_set(var, {*value});
  if (!tc.library_architecture.empty()) s += cmake_set("CMAKE_LIBRARY_ARCHITECTURE", {tc.library_architecture});
  if (!tc.find_root.empty()) {
    // Libraries, headers and packages from the target's roots only; programs from the host.
    s += cmake_set("CMAKE_FIND_ROOT_PATH", tc.find_root);
    s += "set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)\n";
    for (const char* kind : {"LIBRARY", "INCLUDE", "PACKAGE"}) s += fmt::format("set(CMAKE_FIND_ROOT_PATH_MODE_{} ONLY)\n", kind);
  }
  if (!tc.pkg_config_libdir.empty()) s += fmt::format("set(ENV{{PKG_CONFIG_LIBDIR}} {})\n", cmake_quote(tc.pkg_config_libdir));
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
  if (!tc.link_flags.empty()) s += cmake_set("CMAKE_EXE_LINKER_FLAGS_INIT", {join(tc.link_flags, " ")}) +
                                   cmake_set("CMAKE_SHARED_LINKER_FLAGS_INIT", {join(tc.link_flags, " ")});
}

}  // namespace

Host real_host() {
  Host h;
  h.find_program = [](const std::string& name) { return process::find_program(name); };
  h.exists = [](const std::string& path) {
    std::error_code ec;
    return fs::exists(path, ec);
  };
  h.list_dir = [](const std::string& dir) {
    std::vector<std::string> names;
    std::error_code ec;
    for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
      names.push_back(it->path().filename().string());
    return names;
  };
  h.env = process_env();
  h.root = geteuid() == 0;
  return h;
}

std::string apt_install_line(const std::string& packages, bool root) {
  return fmt::format("{}apt-get install -y --no-install-recommends {}", root ? "" : "sudo ", packages);
}

Result<Toolchain> resolve_toolchain(const TargetInfo& info, const Host& host, const std::string& sysroot) {
  auto tc = info.cc ? resolve_debian(info, host) : resolve_sdk(info, host, sysroot);
  if (tc) resolve_emulator(*tc, info, host);
  return tc;
}

Toolchain user_toolchain(const TargetInfo& info, const std::string& file) {
  Toolchain tc;
  tc.info = &info;
  tc.kind = CompilerKind::UserFile;
  tc.user_file = file;
  tc.runnable = true;  // through whatever CMAKE_CROSSCOMPILING_EMULATOR the file sets
  return tc;
}

std::string private_sysroot(const Target& t, const EnvLookup& env) {
  std::string cache = env("XDG_CACHE_HOME").value_or("");
  if (cache.empty()) cache = env("HOME").value_or("/tmp") + "/.cache";
  return fmt::format("{}/xship/sysroot/{}", cache, t.slug());
}

std::string clean_stamp_value(const std::string& v) {
  if (v.empty()) return "unknown";
  std::string out = v;
  for (char& c : out)
    if (!std::isalnum(static_cast<unsigned char>(c)) && std::string_view("._+~/:-").find(c) == std::string_view::npos) c = '_';
  return out;
}

void add_target_env_flags(BuildFlags& flags, const Target& t, const EnvLookup& env) {
  for (auto [var, field] : {std::pair{"CFLAGS", &flags.cflags}, {"CXXFLAGS", &flags.cxxflags}, {"LDFLAGS", &flags.ldflags}})
    if (auto v = env(fmt::format("XSHIP_{}_{}", var, t.slug()))) *field = append_flags(*field, *v);
}

std::vector<std::string> runtime_link_flags(const Target& t, const BuildFlags& flags) {
  if (flags.static_link) return {"-static"};
  if (!flags.portable_runtime || t.os == Os::Darwin) return {};
  // mingw: -static-libstdc++ -static-libgcc still imports libwinpthread-1.dll (measured);
  // -static leaves only KERNEL32 and msvcrt (and the project's own DLLs, linked by path).
  if (t.os == Os::Windows) return {"-static"};
  // Linux: libstdc++ in, libgcc_s left shared. Debian 12's static unwinder (libgcc_eh.a)
  // calls _dl_find_object, which puts every C++ program at glibc 2.35 (measured), while the
  // GCC_3.0-4.2 symbols of libgcc_s.so.1 are on every Linux system since 2007.
  return {"-static-libstdc++"};
}

std::string definition_flags(const Target& t, const Stamp& s) {
  return fmt::format(R"(-DXSHIP_VERSION=\"{}\" -DXSHIP_COMMIT=\"{}\" -DXSHIP_OS=\"{}\" -DXSHIP_ARCH=\"{}\")",
                     clean_stamp_value(s.version), clean_stamp_value(s.commit), os_name(t.os), arch_name(t.arch));
}

std::string cmake_toolchain(const Toolchain& tc, const BuildFlags& flags) {
  const TargetInfo& info = *tc.info;
  Target t = info.target;
  std::string s = fmt::format("# CMake toolchain for {} ({}), written by xship.\n", t.name(), kind_name(tc.kind));
  if (tc.kind == CompilerKind::UserFile) s += fmt::format("include({})\n", cmake_quote(tc.user_file));
  else cmake_compilers(s, tc);

  // Directory properties, not *_FLAGS_INIT: those are cached at the first configure and
  // would keep an old commit's version forever.
  s += "\n# What the program knows about itself, as CMake variables and string-literal definitions\n"
       "# (-DXSHIP_VERSION=... on the cmake command line wins).\n";
  s += fmt::format("if(NOT DEFINED XSHIP_VERSION)\n  set(XSHIP_VERSION {})\nendif()\n", cmake_quote(clean_stamp_value(flags.stamp.version)));
  s += fmt::format("if(NOT DEFINED XSHIP_COMMIT)\n  set(XSHIP_COMMIT {})\nendif()\n", cmake_quote(clean_stamp_value(flags.stamp.commit)));
  s += cmake_set("XSHIP_OS", {os_name(t.os)}) + cmake_set("XSHIP_ARCH", {arch_name(t.arch)});
  std::vector<std::string> defs;
  for (const char* var : {"XSHIP_VERSION", "XSHIP_COMMIT", "XSHIP_OS", "XSHIP_ARCH"})
    defs.push_back(fmt::format("\"{0}=\\\"${{{0}}}\\\"\"", var));
  s += "add_compile_definitions(" + join(defs, " ") + ")\n";
  // C/C++/ASM only: windres (a Windows project's .rc files) rejects the option.
  s += "# Reproducible: no absolute source or build paths in the output.\n"
       "add_compile_options(\"$<$<COMPILE_LANGUAGE:C,CXX,ASM>:-ffile-prefix-map=${CMAKE_SOURCE_DIR}=.>\"\n"
       "                    \"$<$<COMPILE_LANGUAGE:C,CXX,ASM>:-ffile-prefix-map=${CMAKE_BINARY_DIR}=build>\")\n";
  s += fmt::format("set(ENV{{SOURCE_DATE_EPOCH}} {})\n", flags.stamp.epoch);
  if (auto rt = runtime_link_flags(t, flags); !rt.empty()) {
    // Linux: programs only (a shared library with its own libstdc++ copy would not share
    // the program's); Windows: DLLs too, since they would import the runtime DLLs as well.
    bool programs_only = flags.static_link || t.os != Os::Windows;
    std::string opts = join(rt, ";");
    if (programs_only) opts = "$<$<STREQUAL:$<TARGET_PROPERTY:TYPE>,EXECUTABLE>:" + opts + ">";
    s += fmt::format("add_link_options(\"{}\")\n", opts);
  }
  for (const auto& [lang, value] : {std::pair{"C", &flags.cflags}, {"CXX", &flags.cxxflags}}) {
    if (value->empty()) continue;
    s += fmt::format("separate_arguments(_xship_{0}flags UNIX_COMMAND {1})\n"
                     "add_compile_options(\"$<$<COMPILE_LANGUAGE:{0}>:${{_xship_{0}flags}}>\")\n",
                     lang, cmake_quote(*value));
  }
  if (!flags.ldflags.empty())
    s += fmt::format("separate_arguments(_xship_ldflags UNIX_COMMAND {})\nadd_link_options(${{_xship_ldflags}})\n",
                     cmake_quote(flags.ldflags));
  return s;
}

Assignments make_environment(const Toolchain& tc, const BuildFlags& flags, const EnvLookup& env) {
  const TargetInfo& info = *tc.info;
  Assignments a;
  std::vector<std::string> target_args;
  if (!tc.compiler_target.empty()) target_args.push_back("--target=" + tc.compiler_target);
  if (!tc.sysroot.empty()) target_args.push_back("--sysroot=" + tc.sysroot);
  auto compiler = [&](const std::string& prog, const std::vector<std::string>& args) {
    std::vector<std::string> words = {prog};
    words.insert(words.end(), args.begin(), args.end());
    words.insert(words.end(), target_args.begin(), target_args.end());
    return shell_join(words);
  };
  a.emplace_back("CC", compiler(tc.cc, tc.cc_args));
  a.emplace_back("CXX", compiler(tc.cxx, tc.cxx_args));
  for (const auto& [var, value] : {std::pair{"AR", &tc.ar}, {"RANLIB", &tc.ranlib}, {"STRIP", &tc.strip}, {"WINDRES", &tc.rc}})
    if (!value->empty()) a.emplace_back(var, *value);
  a.emplace_back("EXE_SUFFIX", info.exe_suffix());
  a.emplace_back("XSHIP_OS", os_name(info.target.os));
  a.emplace_back("XSHIP_ARCH", arch_name(info.target.arch));
  a.emplace_back("XSHIP_VERSION", clean_stamp_value(flags.stamp.version));
  a.emplace_back("XSHIP_COMMIT", clean_stamp_value(flags.stamp.commit));
  std::vector<std::string> emu;
  if (!tc.emulator_env.empty()) emu.push_back("env");
  for (const auto& [k, v] : tc.emulator_env) emu.push_back(k + "=" + v);
  emu.insert(emu.end(), tc.emulator.begin(), tc.emulator.end());
  a.emplace_back("XSHIP_EMULATOR", tc.runnable ? shell_join(emu) : "");
  a.emplace_back("XSHIP_CAN_RUN", tc.runnable ? "yes" : "no");
  if (!tc.pkg_config_libdir.empty()) a.emplace_back("PKG_CONFIG_LIBDIR", tc.pkg_config_libdir);
  if (std::string root = tc.sysroot.empty() ? tc.lib_sysroot : tc.sysroot; !root.empty())
    a.emplace_back("PKG_CONFIG_SYSROOT_DIR", root);
  a.emplace_back("SOURCE_DATE_EPOCH", std::to_string(flags.stamp.epoch));

  std::string maps;
  for (const auto& [from, to] : flags.prefix_maps) maps = append_flags(maps, shell_quote("-ffile-prefix-map=" + from + "=" + to));
  std::string ld = join(tc.link_flags, " ");
  ld = append_flags(ld, join(runtime_link_flags(info.target, flags), " "));
  auto kept = [&](const char* var) { return env(var).value_or(""); };
  std::string cppflags = definition_flags(info.target, flags.stamp);
  if (!tc.lib_sysroot.empty()) {
    cppflags = append_flags(shell_join({"-isystem", tc.lib_sysroot + "/usr/include/" + info.multiarch, "-isystem",
                                        tc.lib_sysroot + "/usr/include"}), cppflags);
    ld = append_flags(ld, shell_join({"-L" + tc.lib_sysroot + "/usr/lib/" + info.multiarch,
                                      "-Wl,-rpath-link," + tc.lib_sysroot + "/lib/" + info.multiarch}));
  }
  // The prefix maps go with the definitions in CPPFLAGS: exporting a CFLAGS of our own would
  // replace a Makefile's `CFLAGS ?= -O3` (xxhash's) and build it unoptimised.
  a.emplace_back("CPPFLAGS", append_flags(append_flags(kept("CPPFLAGS"), cppflags), maps));
  for (auto [var, extra] : {std::pair{"CFLAGS", &flags.cflags}, {"CXXFLAGS", &flags.cxxflags}})
    if (std::string v = append_flags(kept(var), *extra); !v.empty()) a.emplace_back(var, v);
  a.emplace_back("LDFLAGS", append_flags(append_flags(kept("LDFLAGS"), ld), flags.ldflags));
  return a;
}

std::string render_exports(const Assignments& a) {
  std::string out;
  for (const auto& [k, v] : a) out += fmt::format("export {}={}\n", k, v.empty() ? "''" : shell_quote(v));
  return out;
}

std::string shell_quote(const std::string& s) {
  bool plain = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("@%+=:,./_-").find(c) != std::string_view::npos;
  });
  if (plain) return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string shell_join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + shell_quote(w);
  return out;
}

}  // namespace xship::cross
