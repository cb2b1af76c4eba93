#include "cross/binfmt.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/unique_fd.h"

namespace xship::cross {

namespace {

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

// The register line: qemu-user-binfmt ships it as it is; wine-binfmt in binfmt-support's
// "key value" form (package, interpreter, magic).
std::optional<std::string> register_line(const std::string& handler, const BinfmtIo& io, std::string& file) {
  if (handler == "wine") {
    file = "/usr/share/binfmts/wine";
    auto text = io.read_file(file);
    if (!text) return std::nullopt;
    std::string interpreter, magic;
    std::istringstream in(*text);
    for (std::string line; std::getline(in, line);) {
      if (line.starts_with("interpreter ")) interpreter = trim(line.substr(12));
      if (line.starts_with("magic ")) magic = trim(line.substr(6));
    }
    if (interpreter.empty() || magic.empty() || interpreter.find(':') != std::string::npos ||
        magic.find(':') != std::string::npos)
      return std::nullopt;
    return fmt::format(":wine:M::{}::{}:", magic, interpreter);
  }
  file = fmt::format("/usr/lib/binfmt.d/{}.conf", handler);
  auto text = io.read_file(file);
  if (!text) return std::nullopt;
  std::string line = trim(first_line(*text));
  if (!line.starts_with(":" + handler + ":")) return std::nullopt;
  return line;
}

const char* package_of(const std::string& handler) { return handler == "wine" ? "wine-binfmt" : "qemu-user-binfmt"; }

}  // namespace

BinfmtIo real_binfmt_io(const EnvLookup& env) {
  BinfmtIo io;
  io.read_file = [](const std::string& path) -> std::optional<std::string> {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  io.write_file = [](const std::string& path, const std::string& text) -> Status {
    UniqueFd fd(open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return runtime_error(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
    ssize_t n = write(fd.get(), text.data(), text.size());
    int err = errno;
    if (n != static_cast<ssize_t>(text.size()))
      return runtime_error(fmt::format("cannot write {}: {}", path, std::strerror(err)));
    return ok_status();
  };
  io.mount = []() -> Status {
    if (::mount("binfmt_misc", kBinfmtDir, "binfmt_misc", 0, nullptr) != 0)
      return runtime_error(fmt::format("cannot mount binfmt_misc on {}: {}", kBinfmtDir, std::strerror(errno)));
    return ok_status();
  };
  io.root = geteuid() == 0;
  if (auto v = env("XSHIP_BINFMT"); v && (*v == "off" || *v == "0" || *v == "no")) io.disabled = "XSHIP_BINFMT=" + *v;
  return io;
}

std::string binfmt_handler(const TargetInfo& info) {
  if (!info.emulator || !*info.emulator) return "";
  if (info.is_windows()) return "wine";
  return info.emulator;  // "qemu-aarch64": Debian names the handler after the emulator
}

BinfmtState binfmt_state(const TargetInfo& info, const BinfmtIo& io) {
  std::string handler = binfmt_handler(info);
  if (handler.empty()) return {false, fmt::format("{} programs run natively or not at all here", info.target.name())};
  auto status = io.read_file(fmt::format("{}/{}", kBinfmtDir, handler));
  if (status && first_line(*status) == "enabled") {
    auto all = io.read_file(fmt::format("{}/status", kBinfmtDir));
    if (!all || first_line(*all) == "enabled") return {true, ""};
    return {false, fmt::format("binfmt_misc is disabled as a whole ({}/status)", kBinfmtDir)};
  }
  if (status) return {false, fmt::format("the {} handler is registered but disabled", handler)};
  return {false, fmt::format("no {} handler is registered with binfmt_misc", handler)};
}

BinfmtState ensure_binfmt(const TargetInfo& info, const BinfmtIo& io) {
  BinfmtState now = binfmt_state(info, io);
  std::string handler = binfmt_handler(info);
  if (now.on || handler.empty()) return now;
  if (io.disabled) return {false, fmt::format("{}, and registering it is turned off ({})", now.why, *io.disabled)};
  if (!io.root) return {false, fmt::format("{}, and registering one needs root", now.why)};
  std::string file;
  auto line = register_line(handler, io, file);
  if (!line)
    return {false, fmt::format("{}: {} is missing (install it with 'apt-get install -y --no-install-recommends {}')",
                               now.why, file, package_of(handler))};
  if (!io.read_file(fmt::format("{}/register", kBinfmtDir)).has_value() &&
      !io.read_file(fmt::format("{}/status", kBinfmtDir)).has_value()) {
    if (auto m = io.mount(); !m) return {false, fmt::format("{}: {}", now.why, m.error().message)};
  }
  if (now.why.find("registered but disabled") != std::string::npos) {
    if (auto w = io.write_file(fmt::format("{}/{}", kBinfmtDir, handler), "1"); !w) return {false, w.error().message};
  } else if (auto w = io.write_file(fmt::format("{}/register", kBinfmtDir), *line); !w) {
    return {false, fmt::format("{}: {}", now.why, w.error().message)};
  }
  return binfmt_state(info, io);
}

std::map<std::string, std::string> binfmt_env(const Toolchain& tc) {
  std::map<std::string, std::string> env;
  if (!tc.runnable || tc.emulator.empty() || !tc.info) return env;
  if (tc.info->is_windows()) {
    for (const auto& [k, v] : tc.emulator_env) env[k] = v;  // WINEDEBUG, WINEPATH
    return env;
  }
  // The emulator's own arguments say it: -L PREFIX -E LD_LIBRARY_PATH=...
  for (std::size_t i = 1; i + 1 < tc.emulator.size(); ++i) {
    if (tc.emulator[i] == "-L") env["QEMU_LD_PREFIX"] = tc.emulator[i + 1];
    if (tc.emulator[i] == "-E") env["QEMU_SET_ENV"] = tc.emulator[i + 1];
  }
  return env;
}

}  // namespace xship::cross
