// For bench/md5_bench.sh: MD5 throughput in memory, one OpenSSL stream against the
// multi-buffer paths (digest/md5_multi.h), as Markdown table rows: workload, path, MB/s
// (median of RUNS, 10^6 bytes per second of the thread's CPU time, so that other work on
// a shared machine taking the CPU away does not count), min-max. Every path's digests are
// checked against OpenSSL's before anything is timed.
//   xship_md5_lanes [RUNS]
#include <time.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "digest/md5_multi.h"

namespace {
using namespace xship::digest;
using Inputs = std::vector<std::span<const std::byte>>;

Inputs parts(const std::vector<std::byte>& data, std::size_t count, std::size_t size) {
  Inputs out;
  for (std::size_t i = 0; i < count; ++i) out.push_back(std::span(data).subspan(i * size, size));
  return out;
}

double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

template <class F>
void row(const std::string& workload, const std::string& path, std::size_t bytes, int runs, F hash) {
  std::vector<double> mbs;
  for (int r = 0; r < runs; ++r) {
    double t0 = thread_cpu_seconds();
    hash();
    double s = thread_cpu_seconds() - t0;
    mbs.push_back(static_cast<double>(bytes) / s / 1e6);
  }
  std::sort(mbs.begin(), mbs.end());
  std::printf("| %s | %s | %.0f | %.0f-%.0f |\n", workload.c_str(), path.c_str(), mbs[mbs.size() / 2], mbs.front(),
              mbs.back());
  std::fflush(stdout);
}
}  // namespace

int main(int argc, char** argv) {
  int runs = argc > 1 ? std::atoi(argv[1]) : 5;
  if (runs < 1) {
    std::fputs("usage: xship_md5_lanes [RUNS]\n", stderr);
    return 2;
  }
  std::vector<std::byte> data(std::size_t{512} << 20);
  std::uint64_t x = 0x9e3779b97f4a7c15;  // xorshift64: random enough, and fast to fill 512 MiB
  for (std::size_t i = 0; i < data.size(); i += 8) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    for (int b = 0; b < 8; ++b) data[i + b] = static_cast<std::byte>(x >> (8 * b));
  }
  const auto whole = std::string_view(reinterpret_cast<const char*>(data.data()), data.size());
  const std::vector<std::pair<std::size_t, std::size_t>> workloads = {{64, 8u << 20}, {8, 8u << 20}, {1, 8u << 20}};
  for (auto [count, size] : workloads) {
    Inputs in = parts(data, count, size);
    auto want = *md5_many(in, Md5Path::openssl);
    for (Md5Path p : md5_paths())
      if (*md5_many(in, p) != want) {
        std::fprintf(stderr, "md5 %s differs from OpenSSL\n", std::string(md5_path_name(p)).c_str());
        return 1;
      }
  }
  row("1 x 512 MiB, one stream", "openssl", data.size(), runs, [&] { (void)md5(whole); });
  for (auto [count, size] : workloads) {
    Inputs in = parts(data, count, size);
    std::string workload = std::to_string(count) + " x " + std::to_string(size >> 20) + " MiB";
    for (Md5Path p : md5_paths())
      row(workload, std::string(md5_path_name(p)), count * size, runs, [&] { (void)md5_many(in, p); });
    row(workload, "md5_many's choice", count * size, runs, [&] { (void)md5_many(in); });
  }
  return 0;
}
