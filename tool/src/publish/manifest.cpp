#include "publish/manifest.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace xship::publish {

namespace {
std::vector<ManifestEntry> sorted(std::vector<ManifestEntry> e) {
  std::sort(e.begin(), e.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return e;
}
}  // namespace

std::string manifest_json(const std::vector<ManifestEntry>& entries, const BuildInfo& info) {
  nlohmann::ordered_json j;
  j["format"] = "xship-manifest-1";
  j["repo"] = info.repo;
  j["branch"] = info.branch;
  j["commit"] = info.commit;
  j["tag"] = info.tag;
  j["version"] = info.version;
  auto& files = j["files"] = nlohmann::ordered_json::array();
  for (const auto& e : sorted(entries)) {
    nlohmann::ordered_json f;
    f["name"] = e.name;
    f["key"] = e.key;
    f["size"] = e.size;
    f["md5"] = e.md5;
    f["sha256"] = e.sha256;
    f["etag"] = e.etag;
    f["url"] = e.url;
    if (!e.os.empty()) f["os"] = e.os;
    if (!e.arch.empty()) f["arch"] = e.arch;
    f["commit"] = info.commit;
    files.push_back(std::move(f));
  }
  return j.dump(2) + "\n";
}

std::string sha256sums(const std::vector<ManifestEntry>& entries) {
  std::string out;
  for (const auto& e : sorted(entries)) out += e.sha256 + "  " + e.name + "\n";
  return out;
}

Result<std::vector<ManifestEntry>> parse_manifest(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("files") || !j["files"].is_array())
    return integrity_error("the manifest is not an xship manifest (no \"files\" array): check the URL");
  std::vector<ManifestEntry> out;
  for (const auto& f : j["files"]) {
    if (!f.is_object()) return integrity_error("the manifest has an entry that is not an object: it is damaged");
    ManifestEntry e;
    // Only a whole number >= 0 is a size: nlohmann wraps -1, truncates 1.5, and converting
    // a float beyond 2^64 is undefined behaviour (found by the manifest fuzzer).
    if (f.contains("size") && !f["size"].is_number_unsigned())
      return integrity_error("the manifest has an entry whose size is not a whole number of bytes: it is damaged");
    try {
      e.name = f.value("name", "");
      e.key = f.value("key", "");
      e.size = f.value("size", std::uint64_t{0});
      e.md5 = f.value("md5", "");
      e.sha256 = f.value("sha256", "");
      e.etag = f.value("etag", "");
      e.url = f.value("url", "");
      e.os = f.value("os", "");
      e.arch = f.value("arch", "");
    } catch (const nlohmann::json::exception&) {  // a field of the wrong type
      return integrity_error("the manifest has an entry with a field of the wrong type: it is damaged");
    }
    if (e.name.empty() || e.key.empty() || e.sha256.size() != 64)
      return integrity_error("the manifest has an entry without name, key or sha256: it is damaged");
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace xship::publish
