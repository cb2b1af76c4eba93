#include "publish/artifacts.h"

namespace xship::publish {

void attach_artifacts(std::vector<PlannedFile>& files, const compress::DigestCache& cache) {
  for (auto& f : files) {
    auto json = cache.artifact(f.path, f.stamp);
    if (!json) continue;
    // A record that does not read back is ignored like a stale one: it only adds detail.
    auto info = cross::parse_artifact_json(*json);
    if (!info) continue;
    f.os = cross::os_name(info->target.os);
    f.arch = cross::arch_name(info->target.arch);
    f.artifact = std::move(*info);
  }
}

}  // namespace xship::publish
