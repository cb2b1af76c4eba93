// Streaming multi-buffer MD5: several independent messages (the parts of a multipart
// upload) hashed side by side in SIMD lanes, fed a chunk of each at a time. md5_many needs
// every input whole in memory; this needs only the chunks of one update, so hashing N
// parts of 8 MiB costs N chunks of memory, not N parts. Digests equal OpenSSL's.
#pragma once
#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "core/result.h"
#include "digest/digest.h"
#include "digest/md5_multi.h"

namespace xship::digest {

class Md5Lanes {
 public:
  // `count` messages, by the path that suits this CPU and count: the widest lanes for 4 or
  // more messages (fewer leave most lanes idle), else OpenSSL one message at a time.
  explicit Md5Lanes(std::size_t count);
  // By a given path (tests, benchmarks); an error if this CPU lacks it.
  static Result<Md5Lanes> with_path(std::size_t count, Md5Path path);
  ~Md5Lanes();
  Md5Lanes(Md5Lanes&&) noexcept;
  Md5Lanes& operator=(Md5Lanes&&) noexcept;

  std::size_t size() const;
  Md5Path path() const;
  // Appends chunks[i] to message i; chunks.size() must be size(). Chunks may have any
  // length (empty adds nothing); multiples of 64 bytes avoid copying.
  void update(std::span<const std::span<const std::byte>> chunks);
  // The digests in message order; nothing may be added after.
  std::vector<Md5> finish();

 private:
  struct Impl;
  Md5Lanes(std::size_t count, Md5Path path);
  std::unique_ptr<Impl> impl_;
};

}  // namespace xship::digest
