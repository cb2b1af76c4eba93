// Serial hashers (MD5, SHA-256) fed by ranges that finish downloading in any order.
//
// Why this design: a parallel fetch finishes ranges out of order, but MD5 and SHA-256 are
// serial. The worker of the first range not yet hashed hashes its bytes as they arrive;
// every other worker keeps its range in its own buffer and, when the range is complete,
// waits until every range before it has been fed, then feeds what is left (back-pressure:
// at most concurrency x range_size bytes are held, and a waiting worker takes no new
// range). The alternative, a hasher thread re-reading the written prefix of the file,
// costs a second pass over every byte; this one hashes each byte once, from memory, and
// mostly while the other workers keep downloading.
#pragma once
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "digest/digest.h"

namespace xship::fetch {

class InOrderDigest {
 public:
  // Only the sums asked for are computed (MD5 is the costlier of the two).
  InOrderDigest(bool want_md5, bool want_sha256);

  // Waits until ranges 0..index-1 have been fed, then hashes [data, data+n) as range
  // `index`. False (nothing hashed) once cancel() was called: a range before it failed.
  bool feed(std::uint64_t index, const char* data, std::size_t n);
  // Hashes [data, data+n) as more of range `index` if ranges 0..index-1 have all been fed
  // (the range whose turn it is hashes its bytes as they arrive); false, nothing hashed,
  // if not yet. The range is finished by a feed() with the rest of its bytes.
  bool try_update(std::uint64_t index, const char* data, std::size_t n);
  // Wakes every waiting feed(); a worker whose range failed calls it, or the ranges after
  // its own would wait forever.
  void cancel();

  std::uint64_t ranges_fed() const;
  // Hex sums of all bytes fed; "" for a sum not asked for. Call once, after the last feed.
  std::string md5_hex();
  std::string sha256_hex();

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::uint64_t next_ = 0;
  bool cancelled_ = false;
  std::optional<digest::Md5Stream> md5_;
  std::optional<digest::Sha256Stream> sha256_;
};

}  // namespace xship::fetch
