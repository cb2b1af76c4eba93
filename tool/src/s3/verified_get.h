// A GET checked against the sums the object should have: the caller's (a manifest's),
// then the x-amz-meta-md5/sha256 publish stores, then a plain-MD5 ETag. Used by fetch for
// files and by publish and fetch for the small release documents.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "core/result.h"
#include "s3/client.h"

namespace xship::s3 {

// Sums known before the GET (from a manifest); empty = unknown.
struct ExpectedSums {
  std::string md5;  // hex
  std::string sha256;  // hex
  std::uint64_t size = 0;
  bool size_known = false;
};

// What the bytes must hash to, strongest source first. `by` names the source ("" = none).
// With a SHA-256 the MD5 is left empty: it need not be computed.
struct Wanted {
  std::string sha256, md5, by;
  // Else a multipart ETag, recomputed from the bytes cut in `part_size` parts: an object
  // publish uploaded before it knew the file's sums stores only its part size
  // (x-amz-meta-part-size). check_multipart_etag checks it.
  std::string multipart_etag;
  std::uint64_t part_size = 0;
};

// Integrity error when there is nothing to check against and etag_check is on.
Result<Wanted> wanted_sums(const std::string& bucket, const std::string& key, const ObjectInfo& head,
                           const ExpectedSums& expected, bool etag_check);

// Integrity error naming the source when the sums of the bytes got differ from `w`.
Status check_sums(const std::string& bucket, const std::string& key, const Wanted& w, const std::string& md5,
                  const std::string& sha256);

// When `w` has a multipart ETag: the `size` bytes written to `fd` (read back from the
// page cache, parts hashed side by side in MD5 lanes) must give it.
Status check_multipart_etag(const std::string& bucket, const std::string& key, const Wanted& w, int fd,
                            std::uint64_t size);

struct HashedBody {
  bool want_md5 = true;  // in: false skips the MD5 (md5 stays empty) when a SHA-256 verifies
  std::string md5, sha256;  // hex, of the bytes handed to `write`
  int retries = 0;
};

// One GET, each byte handed to `write` and hashed as it arrives; a retry starts over.
// Returns the byte count, or an error when the sink refused or the body came back short.
Result<std::uint64_t> get_hashed(Client& client, const std::string& bucket, const std::string& key, std::uint64_t size,
                                 const std::function<bool(const char*, std::size_t)>& write,
                                 const std::function<void()>& restart, HashedBody& out);

// A small object (a manifest, SHA256SUMS) into memory, verified against its stored sums or
// plain-MD5 ETag; anything over 64 MiB is refused (no manifest is).
Result<std::string> get_small_object(Client& client, const std::string& bucket, const std::string& key,
                                     bool etag_check);

}  // namespace xship::s3
