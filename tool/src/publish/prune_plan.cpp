#include "publish/prune_plan.h"

#include <algorithm>
#include <chrono>
#include <map>

#include "release/manifest.h"
#include "release/signing.h"
#include "s3/credential_json.h"

namespace xship::publish {

std::vector<ReleaseFolder> group_folders(const std::string& prefix, const std::vector<s3::ListedObject>& objects) {
  std::map<std::string, ReleaseFolder> by_prefix;
  for (const auto& o : objects) {
    if (!o.key.starts_with(prefix)) continue;
    auto slash = o.key.find('/', prefix.size());
    if (slash == std::string::npos || slash == prefix.size()) continue;  // directly under the prefix, or "prefix//x"
    std::string folder = o.key.substr(0, slash + 1);
    ReleaseFolder& f = by_prefix[folder];
    f.prefix = folder;
    f.keys.push_back(o.key);
    if (o.key == folder + release::kManifestName) {
      f.has_manifest = true;
      f.manifest_modified = o.last_modified;
    }
  }
  std::vector<ReleaseFolder> out;
  for (auto& [_, f] : by_prefix) out.push_back(std::move(f));
  return out;
}

std::optional<std::int64_t> parse_listed_time(const std::string& text) {
  auto t = parse_iso8601(text);
  if (!t) return std::nullopt;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
  // parse_iso8601 drops the fraction; releases published within a second need it.
  if (text.size() > 19 && text[19] == '.') {
    int scale = 100;
    for (std::size_t i = 20; i < text.size() && text[i] >= '0' && text[i] <= '9' && scale > 0; ++i, scale /= 10)
      ms += (text[i] - '0') * scale;
  }
  return ms;
}

namespace {

// One release: the folders holding the same manifest bytes.
struct Release {
  std::vector<const ReleaseFolder*> folders;
  std::int64_t date = 0;  // the oldest manifest: the original, not a later alias copy
  std::string last_name;
};

FolderDecision decision(const ReleaseFolder& f, Verdict v) {
  return {f.prefix, v, f.manifest_modified, f.keys.size(), ""};
}

}  // namespace

PrunePlan plan_prune(const std::vector<ReleaseFolder>& folders, int keep) {
  PrunePlan plan;
  std::map<std::string, Release> by_identity;
  std::vector<FolderDecision> alone;
  for (const auto& f : folders) {
    auto date = f.has_manifest ? parse_listed_time(f.manifest_modified) : std::nullopt;
    if (!f.has_manifest || f.identity.empty() || !date) {
      alone.push_back(decision(f, !f.has_manifest ? Verdict::NoManifest : Verdict::Unreadable));
      continue;
    }
    Release& r = by_identity[f.identity];
    r.date = r.folders.empty() ? *date : std::min(r.date, *date);
    r.last_name = std::max(r.last_name, f.prefix);
    r.folders.push_back(&f);
  }
  std::vector<Release> releases;
  for (auto& [_, r] : by_identity) releases.push_back(std::move(r));
  std::sort(releases.begin(), releases.end(), [](const Release& a, const Release& b) {
    return a.date != b.date ? a.date > b.date : a.last_name > b.last_name;
  });
  std::vector<std::string> manifests, rest;
  for (std::size_t i = 0; i < releases.size(); ++i) {
    const Release& r = releases[i];
    const bool aliased = r.folders.size() > 1;
    for (const ReleaseFolder* f : r.folders) {
      Verdict v = aliased ? Verdict::Aliased : i < static_cast<std::size_t>(keep) ? Verdict::Keep : Verdict::Remove;
      FolderDecision d = decision(*f, v);
      if (aliased) d.same_as = (f == r.folders[0] ? r.folders[1] : r.folders[0])->prefix;
      plan.folders.push_back(std::move(d));
      if (v != Verdict::Remove) continue;
      for (const auto& k : f->keys) (k == f->prefix + release::kManifestName ? manifests : rest).push_back(k);
    }
  }
  plan.folders.insert(plan.folders.end(), alone.begin(), alone.end());
  plan.keys = manifests.size() + rest.size();
  plan.batches = delete_batches(manifests);
  for (auto& b : delete_batches(rest)) plan.batches.push_back(std::move(b));
  return plan;
}

std::vector<std::vector<std::string>> delete_batches(const std::vector<std::string>& keys, std::size_t max) {
  std::vector<std::vector<std::string>> out;
  for (std::size_t i = 0; i < keys.size(); i += max)
    out.emplace_back(keys.begin() + static_cast<std::ptrdiff_t>(i),
                     keys.begin() + static_cast<std::ptrdiff_t>(std::min(keys.size(), i + max)));
  return out;
}

}  // namespace xship::publish
