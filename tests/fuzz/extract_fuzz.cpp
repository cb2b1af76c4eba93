// Any bytes as a downloaded archive: extract_archive either refuses them and leaves the
// destination exactly as it was, or extracts; either way nothing appears or changes
// outside the destination (whose planted symlink evil -> ../outside must not be
// followed), no more than the byte limit is written, and every symlink it makes points,
// read lexically, inside the destination. Each run makes and removes a small tree under
// $TMPDIR: TMPDIR=/dev/shm runs it about six times as fast.
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "compress/extract.h"

namespace fs = std::filesystem;
using namespace xship::compress;

namespace {

constexpr std::uint64_t kMaxBytes = 256 * 1024;

void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "extract_fuzz: %s\n", what);
  std::abort();
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// Every path below root with its type, mode, size, bytes or target (symlinks not followed).
std::string snapshot(const fs::path& root) {
  std::string out;
  for (fs::recursive_directory_iterator it(root), end; it != end; ++it) {
    struct stat st {};
    check(lstat(it->path().c_str(), &st) == 0, "lstat failed");
    out += it->path().lexically_relative(root).string() + " " + std::to_string(st.st_mode) + " " +
           std::to_string(st.st_size);
    if (S_ISLNK(st.st_mode)) out += " -> " + fs::read_symlink(it->path()).string();
    if (S_ISREG(st.st_mode)) out += " " + read_all(it->path());
    out += "\n";
  }
  return out;
}

// A fresh directory for one run, with outside/marker in it; removed when the run ends
// (libFuzzer leaves without running atexit handlers).
struct Root {
  fs::path path;
  Root() {
    std::string t = (fs::temp_directory_path() / "xship-extract-fuzz-XXXXXX").string();
    check(mkdtemp(t.data()) != nullptr, "mkdtemp failed");
    path = t;
    fs::create_directories(path / "outside");
    std::ofstream(path / "outside/marker") << "outside\n";
  }
  ~Root() { fs::remove_all(path); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Root root;
  const fs::path& r = root.path;
  fs::path dest = r / "dest", archive = r / "archive";
  fs::create_directories(dest / "sub");
  std::ofstream(dest / "keep") << "earlier\n";
  fs::create_directory_symlink("../outside", dest / "evil");
  std::ofstream(archive, std::ios::binary)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  const std::string outside = snapshot(r / "outside"), before = snapshot(dest);

  ExtractOptions o;
  o.max_total_bytes = kMaxBytes;
  o.max_entries = 256;
  auto got = extract_archive(archive.string(), dest.string(), o);

  check(snapshot(r / "outside") == outside, "something changed outside the destination");
  std::size_t top = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(r)) ++top;
  check(top == 3, "something appeared beside the destination");
  if (!got) {
    check(snapshot(dest) == before, "a refused archive changed the destination");
    check(got.error().message.find('\n') == std::string::npos, "an error message of more than one line");
    return 0;
  }
  check(got->bytes <= kMaxBytes, "more bytes than the limit");
  std::uint64_t bytes = 0;
  for (fs::recursive_directory_iterator it(dest), end; it != end; ++it) {
    fs::path rel = it->path().lexically_relative(dest);
    // The temporary directory sits directly in dest; entries may not start with its prefix.
    check(!(rel.parent_path().empty() && rel.string().starts_with(".xship-extract-")),
          "a temporary directory was left");
    if (it->is_symlink() && rel != "evil") {
      fs::path target = fs::read_symlink(it->path());
      fs::path resolved = (rel.parent_path() / target).lexically_normal();
      check(!target.is_absolute() && (resolved.empty() || *resolved.begin() != ".."), "a symlink points outside");
    } else if (it->is_regular_file() && rel != "keep") {
      bytes += it->file_size();
    }
  }
  check(bytes <= kMaxBytes, "more bytes on disk than the limit");
  return 0;
}
