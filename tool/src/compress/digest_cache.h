// The digest cache: MD5 and SHA-256 of files xship wrote (compressed outputs, archives),
// computed while the bytes were written, so `xship publish` need not read them a third
// time. An entry is trusted only while the file's stamp — size, mtime in ns, inode — is
// the one recorded; any rewrite, replacement or touch changes the stamp and the entry is
// ignored (and dropped at the next record()).
//
// File: $XSHIP_DIGEST_CACHE, else .xship/digests.json under the current directory.
//   {"version": 1, "files": {"/abs/path": {"size": N, "mtime_ns": N, "inode": N,
//                                          "md5": "hex", "sha256": "hex", "artifact": {...}}}}
// ("md5" is left out by record_sha256).
// Writers take an exclusive flock on "<file>.lock", re-read, merge and replace the file by
// rename, so concurrent xship processes never lose or tear each other's entries; readers
// need no lock (they see the old file or the new one).
#pragma once
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_set>

#include "core/env.h"
#include "core/result.h"
#include "digest/digest.h"
#include "core/file_stamp.h"

namespace xship::compress {

std::string default_digest_cache_path(const EnvLookup& env);

class DigestCache {
 public:
  explicit DigestCache(std::string file);

  // The digests recorded for `path` when `stamp` (what the caller saw, e.g. from
  // stamp_file) equals the recorded one; nullopt otherwise, and when the cache is
  // missing or unreadable. `path` may be relative: it is made absolute, symlinks resolved.
  // Thread-safe; the file is read once per DigestCache and then served from memory.
  std::optional<digest::FileDigests> lookup(const std::string& path, const FileStamp& stamp) const;

  // Records `path`'s digests for `stamp`, replacing any earlier entry for it (a description
  // annotate() added for the same stamp is kept).
  Status record(const std::string& path, const FileStamp& stamp, const digest::Md5& md5, const digest::Sha256& sha256);

  // An entry with a SHA-256 and no MD5: what publish learns in its one pass over a file too
  // big for one PUT, where no whole-file MD5 is computed. lookup() (and older versions of
  // xship) ignore such entries; lookup_sha256() reads the SHA-256 of either kind.
  Status record_sha256(const std::string& path, const FileStamp& stamp, const digest::Sha256& sha256);
  std::optional<digest::Sha256> lookup_sha256(const std::string& path, const FileStamp& stamp) const;

  // What `xship build` recorded the file to be (cross/artifact.h's JSON: target, contents,
  // requirements), under the same rule as its digests: only while `stamp` is the one seen.
  std::optional<nlohmann::json> artifact(const std::string& path, const FileStamp& stamp) const;
  // Adds that description to the entry record() made for `path` with this stamp (an entry
  // for another stamp is an error: the file changed since it was written).
  Status annotate(const std::string& path, const FileStamp& stamp, nlohmann::json artifact);

  const std::string& file() const { return file_; }

 private:
  // Under the lock: re-reads the file, drops stale entries, applies `change` to the entry of
  // `path`, writes the file back.
  Status update(const std::string& path,
                const std::function<Status(nlohmann::json& files, const std::string& key)>& change);
  Status record_entry(const std::string& path, const FileStamp& stamp, const digest::Md5* md5,
                      const digest::Sha256& sha256);
  // The entry for `path` when its stamp is `stamp`; call with mu_ held.
  const nlohmann::json* entry_locked(const std::string& path, const FileStamp& stamp) const;
  void set_files_locked(nlohmann::json files) const;  // files_, and inodes_ from it

  std::string file_;
  mutable std::mutex mu_;
  mutable std::optional<nlohmann::json> files_;  // the "files" object, once read
  mutable std::unordered_set<std::uint64_t> inodes_;  // of files_'s entries
};

}  // namespace xship::compress
