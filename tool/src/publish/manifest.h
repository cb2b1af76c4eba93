// manifest.json and SHA256SUMS: written last, from verified results only. Pure.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "publish/template.h"

namespace xship::publish {

struct ManifestEntry {
  std::string name;  // relative to the destination prefix
  std::string key;
  std::uint64_t size = 0;
  std::string md5;     // hex
  std::string sha256;  // hex
  std::string etag;    // as the store reports it
  std::string url;
  std::string os, arch;
};

// Deterministic: entries sorted by name, no timestamps, so an unchanged release gives
// the same bytes and a second run skips them too.
std::string manifest_json(const std::vector<ManifestEntry>& entries, const BuildInfo& info);
// "HEX  NAME\n" lines, the format `sha256sum -c` reads.
std::string sha256sums(const std::vector<ManifestEntry>& entries);

// Reads a manifest back (for fetch --manifest and --merge-manifests).
Result<std::vector<ManifestEntry>> parse_manifest(const std::string& json);

}  // namespace xship::publish
