// The digest cache is a file in the work tree (.xship/digests.json) that anything may have
// written: any bytes are a cache that hits or misses, never a crash, and a record() on top
// of them leaves a cache that holds the recorded entry.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "compress/digest_cache.h"
#include "core/file_stamp.h"

using namespace xship;

namespace {
// One scratch directory per process, removed at exit; the files in it are rewritten per input.
std::string dir;
const std::string& scratch() {
  if (dir.empty()) {
    char tmpl[] = "/tmp/xship-fuzz-digest-cache-XXXXXX";
    if (!mkdtemp(tmpl)) std::abort();
    dir = tmpl;
    std::atexit([] { std::filesystem::remove_all(dir); });
  }
  return dir;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string cache = scratch() + "/digests.json", file = scratch() + "/file";
  std::ofstream(cache, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data), size);
  std::ofstream(file, std::ios::trunc) << "x";
  // Stamps a seed can name: inode 1 for a made-up path, and the scratch file's real one.
  const FileStamp made_up{1, 1, 1};
  auto real = stamp_file(file);
  if (!real) std::abort();
  compress::DigestCache c(cache);
  (void)c.lookup("/xship-fuzz/a", made_up);
  (void)c.lookup_sha256("/xship-fuzz/a", made_up);
  (void)c.artifact("/xship-fuzz/a", made_up);
  (void)c.lookup(file, *real);
  (void)c.artifact(file, *real);
  if (!c.record(file, *real, digest::md5("x"), digest::sha256("x")).ok()) std::abort();
  auto hit = compress::DigestCache(cache).lookup(file, *real);
  if (!hit || hit->md5 != digest::md5("x")) std::abort();
  return 0;
}
