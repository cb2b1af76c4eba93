#include "cli/commands.h"

#include <fmt/format.h>

#include <array>

namespace xship::cli {

namespace {
Status run_help(int, char**) {
  fmt::print("{}", usage_text());
  return ok_status();
}
Status run_version(int, char**) {
  fmt::print("xship {}\n", XSHIP_VERSION_STRING);
  return ok_status();
}

constexpr std::array kCommands = {
    Command{"publish", "upload files to S3 with MD5-verified PUTs, then SHA256SUMS (signed) and manifest.json",
            run_publish},
    Command{"fetch", "download objects (or a whole manifest) and verify MD5/SHA-256 before keeping them", run_fetch},
    Command{"prune", "keep the newest N releases under a prefix and delete the rest (never an alias's release)",
            run_prune},
    Command{"presign", "print a URL that downloads one object without credentials until it expires (at most 7 days)",
            run_presign},
    Command{"credentials",
            "show which credential source answers: its name, the key's last four characters, the expiry, the region",
            run_credentials},
    Command{"verify", "check a signed release's signatures and provenance; --rebuild it from the recorded commit",
            run_verify},
    Command{"keygen", "make a release signing key pair (minisign's formats) for publish --sign-key", run_keygen},
    Command{"compress",
            "compress files to .gz/.zst (reproducible, multi-threaded, hashed for publish) or bundle archives",
            run_compress},
    Command{"targets", "list the cross-build targets (OS/ARCH), their compilers and emulators, and what is ready here",
            run_cross_targets},
    Command{"env", "print shell assignments (CC, CPPFLAGS, XSHIP_EMULATOR...) for building a target with Make",
            run_cross_env},
    Command{"toolchain", "print a CMake toolchain file for a target", run_cross_toolchain},
    Command{"deps", "check or --install the compilers, emulators and target libraries for targets", run_cross_deps},
    Command{"build", "build a CMake or Make project for several targets at once into dist/NAME.OS.ARCH",
            run_cross_build},
    Command{"test", "build, then run the project's tests for each target under its emulator", run_cross_test},
    Command{"clean", "remove the per-target build directories and NAME's collected programs", run_cross_clean},
    Command{"version", "print xship's version", run_version},
    Command{"help", "list the commands and the exit codes", run_help},
};
}  // namespace

std::span<const Command> commands() { return kCommands; }

const Command* find_command(const std::string& name) {
  for (const auto& c : kCommands)
    if (name == c.name) return &c;
  return nullptr;
}

std::string usage_text() {
  std::string s = "usage: xship COMMAND [OPTIONS]   (xship COMMAND --help for a command's options)\n\ncommands:\n";
  for (const auto& c : kCommands) s += fmt::format("  {:<11} {}\n", c.name, c.summary);
  s += "\nexit codes:\n"
       "  0    success\n"
       "  1    runtime failure (network, server, filesystem, a failed build or test, a missing toolchain)\n"
       "  2    bad usage or input (flags, paths, templates, missing bucket)\n"
       "  3    integrity failure (a checksum, ETag or release signature did not match, a program built for the wrong "
       "machine)\n"
       "  4    credentials or permission (missing keys, wrong secret, access denied)\n"
       "  130  interrupted (SIGINT/SIGTERM); multipart uploads in flight were aborted\n";
  return s;
}

}  // namespace xship::cli
