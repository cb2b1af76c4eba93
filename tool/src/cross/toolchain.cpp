#include "cross/toolchain.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
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

std::string append_flags(std::string a, const std::string& b) {
  if (b.empty()) return a;
  return a.empty() ? b : a + " " + b;
}

std::string program_or_name(const Host& host, const std::string& name) {
  return host.find_program(name).value_or(name);
}

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
      tc.not_runnable =
          pe32 ? "wine cannot start 32-bit programs here (no wine32): install it with "
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
    if (!tc.lib_sysroot.empty())
      libs += fmt::format(":{0}/lib/{1}:{0}/usr/lib/{1}", tc.lib_sysroot, info.multiarch);
    else if (*info.multiarch)
      libs += fmt::format(":/lib/{0}:/usr/lib/{0}", info.multiarch);
    tc.emulator = {*emu, "-L", fmt::format("/usr/{}", info.triple), "-E", "LD_LIBRARY_PATH=" + libs};
  }
  tc.runnable = true;
}

Result<Toolchain> resolve_debian(const TargetInfo& info, const Host& host) {
  Toolchain tc;
  tc.info = &info;
  auto cc = host.find_program(info.cc), cxx = host.find_program(info.cxx);
  if (!cc || !cxx)
    return runtime_error(fmt::format(
        "{}: {} not found: install it with '{}' (or run 'xship deps --targets {} --install')", info.target.name(),
        cc ? info.cxx : info.cc, apt_install_line(info.packages, host.root), info.target.name()));
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
  std::string var =
      fmt::format("XSHIP_SYSROOT_{}_{}", upper(os_name(info.target.os)), upper(arch_name(info.target.arch)));
  if (sysroot.empty()) sysroot = host.env(var).value_or("");
  if (!sysroot.empty()) {
    if (!host.exists(sysroot))
      return usage_error(fmt::format("{}: sysroot '{}' does not exist: point --sysroot {}=DIR or {} at {}", name,
                                     sysroot, name, var, info.sdk_hint));
    auto clang = host.find_program("clang"), clangxx = host.find_program("clang++");
    const char* linker = info.target.os == Os::Darwin ? "ld64.lld" : "ld.lld";
    if (!clang || !clangxx || !host.find_program(linker))
      return runtime_error(fmt::format("{}: building with a sysroot needs clang and {}: install them with '{}'", name,
                                       linker, apt_install_line("clang lld", host.root)));
    tc.kind = CompilerKind::Clang;
    tc.cc = *clang;
    tc.cxx = *clangxx;
    tc.compiler_target = info.clang_triple;
    tc.sysroot = sysroot;
    tc.link_flags = {"-fuse-ld=lld"};
    if (auto ar = host.find_program("llvm-ar")) tc.ar = *ar;
    if (auto ranlib = host.find_program("llvm-ranlib")) tc.ranlib = *ranlib;
    tc.find_root = {sysroot};
    tc.pkg_config_libdir =
        fmt::format("{0}/usr/lib/pkgconfig:{0}/usr/share/pkgconfig:{0}/usr/libdata/pkgconfig", sysroot);
  } else if (auto zig = info.zig_target ? host.find_program("zig") : std::nullopt) {
    tc.kind = CompilerKind::Zig;
    tc.cc = tc.cxx = *zig;
    tc.cc_args = {"cc", "-target", info.zig_target};
    tc.cxx_args = {"c++", "-target", info.zig_target};
  } else {
    return usage_error(
        fmt::format("{} has no Debian toolchain: pass --sysroot {}=DIR or set {} to {} (built with clang "
                    "and lld){}",
                    name, name, var, info.sdk_hint, info.zig_target ? ", or put zig on PATH" : ""));
  }
  return tc;
}

}  // namespace

Host real_host(const EnvLookup& env) {
  Host h;
  h.find_program = [path = env("PATH")](const std::string& name) { return process::find_program(name, path); };
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
  h.env = env;
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
    if (!std::isalnum(static_cast<unsigned char>(c)) && std::string_view("._+~/:-").find(c) == std::string_view::npos)
      c = '_';
  return out;
}

void add_target_env_flags(BuildFlags& flags, const Target& t, const EnvLookup& env) {
  for (auto [var, field] :
       {std::pair{"CFLAGS", &flags.cflags}, {"CXXFLAGS", &flags.cxxflags}, {"LDFLAGS", &flags.ldflags}})
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
  for (const auto& [var, value] :
       {std::pair{"AR", &tc.ar}, {"RANLIB", &tc.ranlib}, {"STRIP", &tc.strip}, {"WINDRES", &tc.rc}})
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
  for (const auto& [from, to] : flags.prefix_maps)
    maps = append_flags(maps, shell_quote("-ffile-prefix-map=" + from + "=" + to));
  std::string ld = fmt::format("{}", fmt::join(tc.link_flags, " "));
  ld = append_flags(ld, fmt::format("{}", fmt::join(runtime_link_flags(info.target, flags), " ")));
  auto kept = [&](const char* var) { return env(var).value_or(""); };
  std::string cppflags = definition_flags(info.target, flags.stamp);
  if (!tc.lib_sysroot.empty()) {
    cppflags = append_flags(shell_join({"-isystem", tc.lib_sysroot + "/usr/include/" + info.multiarch, "-isystem",
                                        tc.lib_sysroot + "/usr/include"}),
                            cppflags);
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
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("@%+=:,./_-").find(c) != std::string_view::npos;
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
