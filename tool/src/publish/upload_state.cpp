#include "publish/upload_state.h"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "digest/digest.h"
#include "s3/limits.h"

namespace fs = std::filesystem;

namespace xship::publish {

bool resumable(const UploadState& saved, const PlannedFile& f, const std::string& md5hex) {
  const bool same_md5 = saved.md5.empty() || md5hex.empty() || saved.md5 == md5hex;
  return saved.path == f.path && saved.stamp == f.stamp && same_md5 && saved.part_size >= s3::kMinPartSize;
}

namespace {
std::optional<UploadState> read_state(const fs::path& p) {
  std::ifstream in(p);
  if (!in) return std::nullopt;
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  try {
    UploadState s;
    s.bucket = j.at("bucket");
    s.key = j.at("key");
    s.upload_id = j.at("upload_id");
    s.path = j.at("path");
    s.stamp.size = j.at("size");
    s.stamp.mtime_ns = j.at("mtime_ns");
    s.stamp.inode = j.at("inode");
    s.md5 = j.at("md5");
    s.sha256 = j.at("sha256");
    s.part_size = j.at("part_size");
    return s;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;  // a damaged state file only costs a fresh upload
  }
}
}  // namespace

std::string UploadStateStore::file_for(const std::string& bucket, const std::string& key) const {
  return (fs::path(dir_) / (digest::sha256_hex(bucket + "\n" + key).substr(0, 32) + ".json")).string();
}

std::optional<UploadState> UploadStateStore::load(const std::string& bucket, const std::string& key) const {
  if (dir_.empty()) return std::nullopt;
  auto s = read_state(file_for(bucket, key));
  if (s && (s->bucket != bucket || s->key != key)) return std::nullopt;
  return s;
}

Status UploadStateStore::save(const UploadState& s) const {
  if (dir_.empty()) return ok_status();
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return runtime_error(fmt::format("cannot create '{}': {}: pass --state-dir DIR", dir_, ec.message()));
  nlohmann::json j = {{"bucket", s.bucket},      {"key", s.key},         {"upload_id", s.upload_id},
                      {"path", s.path},          {"size", s.stamp.size}, {"mtime_ns", s.stamp.mtime_ns},
                      {"inode", s.stamp.inode},  {"md5", s.md5},         {"sha256", s.sha256},
                      {"part_size", s.part_size}};
  std::string target = file_for(s.bucket, s.key);
  std::string tmp = fmt::format("{}.tmp{}", target, getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << j.dump(2) << "\n";
    if (!out.flush()) return runtime_error(fmt::format("cannot write '{}'", tmp));
  }
  fs::rename(tmp, target, ec);
  if (ec) return runtime_error(fmt::format("cannot write '{}': {}", target, ec.message()));
  return ok_status();
}

void UploadStateStore::remove(const std::string& bucket, const std::string& key) const {
  if (dir_.empty()) return;
  std::error_code ec;
  fs::remove(file_for(bucket, key), ec);
}

std::vector<UploadState> UploadStateStore::all() const {
  std::vector<UploadState> out;
  std::error_code ec;
  if (dir_.empty() || !fs::is_directory(dir_, ec)) return out;
  for (const auto& e : fs::directory_iterator(dir_, ec))
    if (e.path().extension() == ".json")
      if (auto s = read_state(e.path())) out.push_back(std::move(*s));
  return out;
}

}  // namespace xship::publish
