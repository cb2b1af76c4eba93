#include "compress/digest_cache.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "compress/output.h"
#include "core/json_fields.h"
#include "core/unique_fd.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace xship::compress {

namespace {

constexpr int kVersion = 1;

std::string cache_key(const std::string& path) {
  std::error_code ec;
  fs::path abs = fs::absolute(path, ec);
  if (ec) return path;
  fs::path canon = fs::weakly_canonical(abs, ec);
  return (ec ? abs.lexically_normal() : canon).string();
}

// The "files" object of the cache file; empty when it is missing, unreadable, corrupt or
// of another version (a cache is only ever an optimisation: when in doubt, hash again).
json read_files(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return json::object();
  std::stringstream ss;
  ss << in.rdbuf();
  json doc = json::parse(ss.str(), nullptr, /*allow_exceptions=*/false);
  if (json_integer<int>(doc, "version") != kVersion || !doc.contains("files") || !doc["files"].is_object())
    return json::object();
  return doc["files"];
}

template <std::size_t N>
bool parse_hex(const json& v, std::array<std::uint8_t, N>& out) {
  if (!v.is_string()) return false;
  const std::string& s = v.get_ref<const std::string&>();
  if (s.size() != 2 * N) return false;
  for (std::size_t i = 0; i < N; ++i) {
    char pair[3] = {s[2 * i], s[2 * i + 1], 0};
    char* end = nullptr;
    out[i] = static_cast<std::uint8_t>(std::strtoul(pair, &end, 16));
    if (end != pair + 2) return false;
  }
  return true;
}

bool stamp_matches(const json& e, const FileStamp& s) {
  return json_integer<std::uint64_t>(e, "size") == s.size && json_integer<std::int64_t>(e, "mtime_ns") == s.mtime_ns &&
         json_integer<std::uint64_t>(e, "inode") == s.inode;
}

// Holds an exclusive flock on "<cache>.lock" for its lifetime.
class CacheLock {
 public:
  static Result<CacheLock> take(const std::string& cache) {
    std::string path = cache + ".lock";
    UniqueFd fd(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (!fd) return runtime_error(fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
    while (flock(fd.get(), LOCK_EX) != 0) {
      if (errno != EINTR) return runtime_error(fmt::format("cannot lock '{}': {}", path, std::strerror(errno)));
    }
    return CacheLock(std::move(fd));
  }

 private:
  explicit CacheLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;  // closing it releases the lock
};

}  // namespace

std::string default_digest_cache_path(const EnvLookup& env) {
  if (auto path = env("XSHIP_DIGEST_CACHE"); path && !path->empty()) return *path;
  return (fs::path(".xship") / "digests.json").string();
}

DigestCache::DigestCache(std::string file) : file_(std::move(file)) {}

void DigestCache::set_files_locked(json files) const {
  inodes_.clear();
  for (const auto& e : files)
    if (auto inode = json_integer<std::uint64_t>(e, "inode")) inodes_.insert(*inode);
  files_ = std::move(files);
}

const json* DigestCache::entry_locked(const std::string& path, const FileStamp& stamp) const {
  if (!files_) set_files_locked(read_files(file_));
  // Most files looked up have no entry; their inode says so before the key, whose
  // canonical path costs a readlink per component (3% of a 1,000-file publish).
  if (!inodes_.contains(stamp.inode)) return nullptr;
  auto it = files_->find(cache_key(path));
  if (it == files_->end() || !stamp_matches(*it, stamp)) return nullptr;
  return &*it;
}

std::optional<digest::FileDigests> DigestCache::lookup(const std::string& path, const FileStamp& stamp) const {
  std::lock_guard lock(mu_);
  const json* e = entry_locked(path, stamp);
  digest::FileDigests d;
  if (!e || !parse_hex(e->value("md5", json()), d.md5) || !parse_hex(e->value("sha256", json()), d.sha256))
    return std::nullopt;
  d.bytes = stamp.size;
  return d;
}

std::optional<digest::Sha256> DigestCache::lookup_sha256(const std::string& path, const FileStamp& stamp) const {
  std::lock_guard lock(mu_);
  const json* e = entry_locked(path, stamp);
  digest::Sha256 sha256;
  if (!e || !parse_hex(e->value("sha256", json()), sha256)) return std::nullopt;
  return sha256;
}

Status DigestCache::update(const std::string& path,
                           const std::function<Status(json& files, const std::string& key)>& change) {
  std::lock_guard lock(mu_);
  std::error_code ec;
  fs::path parent = fs::path(file_).parent_path();
  if (!parent.empty()) fs::create_directories(parent, ec);
  if (ec) return runtime_error(fmt::format("cannot create '{}': {}", parent.string(), ec.message()));
  auto held = CacheLock::take(file_);
  if (!held) return held.error();

  // Re-read under the lock: another process may have recorded since we last looked.
  json files = read_files(file_);
  // Drop entries whose file is gone or changed, so the cache does not grow without bound.
  for (auto it = files.begin(); it != files.end();) {
    struct stat st {};
    if (stat(it.key().c_str(), &st) != 0 || !stamp_matches(it.value(), stamp_of(st)))
      it = files.erase(it);
    else
      ++it;
  }
  XSHIP_TRY(change(files, cache_key(path)));
  std::string text = json{{"version", kVersion}, {"files", files}}.dump(1) + "\n";

  auto out = AtomicOutput::create(file_, /*replace=*/true, 0644);
  if (!out) return out.error();
  XSHIP_TRY((*out)->write(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  XSHIP_TRY((*out)->commit(AtomicOutput::Durability::None));
  set_files_locked(std::move(files));
  return ok_status();
}

Status DigestCache::record(const std::string& path, const FileStamp& stamp, const digest::Md5& md5,
                           const digest::Sha256& sha256) {
  return record_entry(path, stamp, &md5, sha256);
}

Status DigestCache::record_sha256(const std::string& path, const FileStamp& stamp, const digest::Sha256& sha256) {
  return record_entry(path, stamp, nullptr, sha256);
}

Status DigestCache::record_entry(const std::string& path, const FileStamp& stamp, const digest::Md5* md5,
                                 const digest::Sha256& sha256) {
  return update(path, [&](json& files, const std::string& key) {
    json entry = {
        {"size", stamp.size}, {"mtime_ns", stamp.mtime_ns}, {"inode", stamp.inode}, {"sha256", digest::hex(sha256)}};
    if (md5) entry["md5"] = digest::hex(*md5);
    if (auto it = files.find(key); it != files.end() && stamp_matches(*it, stamp) && it->contains("artifact"))
      entry["artifact"] = (*it)["artifact"];
    files[key] = std::move(entry);
    return ok_status();
  });
}

Status DigestCache::annotate(const std::string& path, const FileStamp& stamp, json artifact) {
  return update(path, [&](json& files, const std::string& key) -> Status {
    auto it = files.find(key);
    if (it == files.end() || !stamp_matches(*it, stamp))
      return runtime_error(fmt::format("'{}' changed while it was being written: run again", path));
    (*it)["artifact"] = std::move(artifact);
    return ok_status();
  });
}

std::optional<json> DigestCache::artifact(const std::string& path, const FileStamp& stamp) const {
  std::lock_guard lock(mu_);
  const json* e = entry_locked(path, stamp);
  if (!e || !e->contains("artifact")) return std::nullopt;
  return (*e)["artifact"];
}

}  // namespace xship::compress
