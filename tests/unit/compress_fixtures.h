// Shared by compress_test.cpp and digest_cache_test.cpp: a scratch directory, file I/O,
// and deterministic test inputs.
#pragma once
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace xship::testing_compress {

namespace fs = std::filesystem;

// A fresh directory under $TMPDIR, removed with everything in it.
struct Scratch {
  fs::path dir;
  Scratch() {
    static std::atomic<int> n{0};
    dir = fs::temp_directory_path() / ("xship-compress-" + std::to_string(getpid()) + "-" + std::to_string(n++));
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string path(const std::string& name) const { return (dir / name).string(); }
  // Names of everything in the directory (temporary files included), sorted.
  std::string listing() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    std::string s;
    for (const auto& n : names) s += n + " ";
    return s;
  }
};

// As `ulimit -f` would, while it lives: writes past `bytes` fail with EFBIG (SIGXFSZ
// ignored, as the CLI does), as a full disk would fail them.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) : handler_(std::signal(SIGXFSZ, SIG_IGN)) {
    getrlimit(RLIMIT_FSIZE, &old_);
    rlimit small = old_;
    small.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &small);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &old_);
    std::signal(SIGXFSZ, handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit old_{};
  void (*handler_)(int);
};

inline void put(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

inline std::string get(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

inline std::string random_bytes(std::size_t n, std::uint64_t seed = 1) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; i += 8) {
    std::uint64_t v = rng();
    for (std::size_t j = 0; j < 8 && i + j < n; ++j) s[i + j] = static_cast<char>(v >> (8 * j));
  }
  return s;
}

// Text-like, highly compressible, but not one repeated byte: exercises matches and literals.
inline std::string compressible_bytes(std::size_t n) {
  std::ostringstream o;
  for (std::size_t i = 0; o.tellp() < static_cast<std::streamoff>(n); ++i)
    o << "line " << i % 977 << ": the quick brown fox jumps over the lazy dog " << (i * 2654435761u) % 1000 << "\n";
  return o.str().substr(0, n);
}

}  // namespace xship::testing_compress
