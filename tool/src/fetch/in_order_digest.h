// Serial hashers (MD5, SHA-256) fed by ranges that finish downloading in any order.
//
// Why this design: a parallel fetch finishes ranges out of order, but MD5 and SHA-256 are
// serial. The worker of the first range not yet hashed hashes its bytes as they arrive;
// every other worker writes its range to the file and, when the range is complete, waits
// until every range before it has been fed, then hashes what it wrote from the page cache
// in small pieces (back-pressure: a waiting worker takes no new range). Holding those
// ranges in memory instead cost a copy into a buffer too big for the CPU caches (12% of a
// fetch's CPU, plus first-touch page faults) and concurrency x range size of RSS.
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
  // The same in steps, for a caller that hashes its range piece by piece: has_turn() does
  // not wait, wait_turn() does (false once cancelled), update() may be called only between
  // a true has_turn()/wait_turn() and pass_turn(), which hands the turn to range index+1.
  bool has_turn(std::uint64_t index) const;
  bool wait_turn(std::uint64_t index);
  void update(const char* data, std::size_t n);
  void pass_turn();
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
