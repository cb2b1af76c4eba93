#include "release/manifest.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>

#include "digest/digest.h"
#include "s3/location.h"

namespace xship::release {

namespace {
std::vector<ManifestEntry> sorted(std::vector<ManifestEntry> e) {
  std::sort(e.begin(), e.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return e;
}

}  // namespace

nlohmann::ordered_json entry_json(const ManifestEntry& e) {
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
  if (e.artifact) {
    auto artifact = cross::artifact_json(*e.artifact);  // kept alive: items() only refers to it
    for (auto& [k, v] : artifact.items()) f[k] = v;
  }
  return f;
}

namespace {
// The layout both manifest kinds share; `job` is written only for job manifests.
std::string document(const std::vector<ManifestEntry>& entries, const BuildInfo& info, const char* format,
                     const std::string* job) {
  nlohmann::ordered_json j;
  j["format"] = format;
  if (job) j["job"] = *job;
  j["repo"] = info.repo;
  j["branch"] = info.branch;
  j["commit"] = info.commit;
  j["tag"] = info.tag;
  j["version"] = info.version;
  // A release manifest names the SHA256SUMS it belongs to, so a signed list and a manifest
  // of another release cannot be mixed. Job manifests have no SHA256SUMS.
  if (!job) j["sha256sums"] = digest::sha256_hex(sha256sums(entries));
  auto& files = j["files"] = nlohmann::ordered_json::array();
  for (const auto& e : sorted(entries)) {
    auto f = entry_json(e);
    f["commit"] = info.commit;
    files.push_back(std::move(f));
  }
  return j.dump(2) + "\n";
}

std::string short_commit(const std::string& c) { return c.empty() ? "(unknown)" : c.substr(0, 12); }
}  // namespace

std::string manifest_json(const std::vector<ManifestEntry>& entries, const BuildInfo& info) {
  return document(entries, info, kManifestFormat, nullptr);
}

std::string job_manifest_json(const std::string& job, const std::vector<ManifestEntry>& entries,
                              const BuildInfo& info) {
  return document(entries, info, kJobManifestFormat, &job);
}

std::string sha256sums(const std::vector<ManifestEntry>& entries) {
  std::string out;
  for (const auto& e : sorted(entries)) out += e.sha256 + "  " + e.name + "\n";
  return out;
}

Result<ManifestDoc> parse_manifest_doc(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("files") || !j["files"].is_array())
    return integrity_error("the manifest is not an xship manifest (no \"files\" array): check the URL");
  ManifestDoc doc;
  try {
    doc.format = j.value("format", "");
    doc.job = j.value("job", "");
    doc.info.repo = j.value("repo", "");
    doc.info.branch = j.value("branch", "");
    doc.info.commit = j.value("commit", "");
    doc.info.tag = j.value("tag", "");
    doc.info.version = j.value("version", "");
    doc.sha256sums = j.value("sha256sums", "");
  } catch (const nlohmann::json::exception&) {
    return integrity_error("the manifest has a header field of the wrong type: it is damaged");
  }
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
    if (f.contains("kind")) {
      auto a = cross::parse_artifact_json(f);
      if (!a) return a.error();
      if ((!e.os.empty() && e.os != cross::os_name(a->target.os)) ||
          (!e.arch.empty() && e.arch != cross::arch_name(a->target.arch)))
        return integrity_error("the manifest has an entry whose os/arch and target disagree: it is damaged");
      e.artifact = std::move(*a);
    }
    doc.files.push_back(std::move(e));
  }
  return doc;
}

Result<std::vector<ManifestEntry>> parse_manifest(const std::string& text) {
  auto doc = parse_manifest_doc(text);
  if (!doc) return doc.error();
  return std::move(doc->files);
}

bool is_job_name(const std::string& s) {
  if (s.empty() || s.size() > 200 || s.front() == '.' || s.front() == '-') return false;
  return std::all_of(s.begin(), s.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '.' || c == '_' || c == '-'; });
}

std::string job_manifest_key(const std::string& prefix, const std::string& job) {
  return join_key(prefix, std::string(kJobManifestDir) + job + ".json");
}

std::string job_name_from_key(const std::string& prefix, const std::string& key) {
  std::string dir = join_key(prefix, kJobManifestDir);
  if (!key.starts_with(dir) || !key.ends_with(".json")) return "";
  std::string job = key.substr(dir.size(), key.size() - dir.size() - 5);
  return is_job_name(job) ? job : "";
}

Status check_job_manifest_replace(const ManifestDoc& existing, const std::string& job,
                                  const std::vector<ManifestEntry>& entries, const BuildInfo& info) {
  if (existing.format != kJobManifestFormat || existing.info.commit != info.commit) return ok_status();
  std::set<std::string> ours;
  for (const auto& e : entries) ours.insert(e.name);
  for (const auto& e : sorted(existing.files))
    if (!ours.count(e.name))
      return usage_error(
          fmt::format("manifests/{}.json already lists '{}' for commit {}, which this job does not "
                      "publish: two jobs share --job-manifest {}; give each job its own name (e.g. "
                      "{{os}}-{{arch}}), or pass --force to replace it",
                      job, e.name, short_commit(info.commit), job));
  return ok_status();  // the same job again
}

Result<MergedManifest> merge_job_manifests(std::vector<ManifestDoc> jobs, const std::string& commit) {
  if (jobs.empty()) return usage_error("no job manifests to merge: publish each job with --job-manifest NAME first");
  // Sorted by job name: which job is named first in a message, and which entry is kept for
  // a file two jobs published identically, never depend on the order the jobs finished.
  std::sort(jobs.begin(), jobs.end(), [](const auto& a, const auto& b) { return a.job < b.job; });
  MergedManifest out;
  std::vector<const ManifestDoc*> chosen;
  for (const auto& j : jobs) {
    if (!chosen.empty() && chosen.back()->job == j.job)
      return usage_error(fmt::format("job manifest '{}' is given twice: each job needs its own name", j.job));
    if (commit.empty() || j.info.commit == commit)
      chosen.push_back(&j);
    else
      out.skipped.push_back(j.job);
  }
  if (chosen.empty())
    return usage_error(
        fmt::format("none of the {} job manifests is for commit {} (job '{}' is for {}): publish the jobs "
                    "from this commit first, or pass --commit to merge another",
                    jobs.size(), short_commit(commit), jobs.front().job, short_commit(jobs.front().info.commit)));

  const ManifestDoc& first = *chosen.front();
  out.info = first.info;
  std::map<std::string, std::pair<const ManifestEntry*, const std::string*>> by_name;
  for (const ManifestDoc* j : chosen) {
    const std::pair<const char*, std::pair<const std::string*, const std::string*>> fields[] = {
        {"commit", {&first.info.commit, &j->info.commit}},
        {"repo", {&first.info.repo, &j->info.repo}},
        {"branch", {&first.info.branch, &j->info.branch}},
        {"tag", {&first.info.tag, &j->info.tag}},
        {"version", {&first.info.version, &j->info.version}}};
    for (const auto& [field, values] : fields)
      if (*values.first != *values.second)
        return usage_error(
            fmt::format("job manifests '{}' and '{}' are of different builds ({} '{}' vs '{}'): delete the "
                        "stale manifests/NAME.json, or pass --commit to merge one commit's jobs",
                        first.job, j->job, field, *values.first, *values.second));
    out.jobs.push_back(j->job);
    for (const auto& e : j->files) {
      auto [it, added] = by_name.try_emplace(e.name, &e, &j->job);
      if (added) continue;
      const ManifestEntry& seen = *it->second.first;
      // The SHA-256 settles it; an MD5 only when both jobs knew one (a cold multipart file has none).
      const bool md5_differs = !seen.md5.empty() && !e.md5.empty() && seen.md5 != e.md5;
      if (seen.size != e.size || md5_differs || seen.sha256 != e.sha256)
        return integrity_error(
            fmt::format("'{}' differs between job manifests '{}' (md5 {}, {} bytes) and '{}' (md5 {}, {} "
                        "bytes): two jobs published different files under one name; give each job's "
                        "files their own names (e.g. NAME.OS.ARCH) and publish again",
                        e.name, *it->second.second, seen.md5, seen.size, j->job, e.md5, e.size));
    }
  }
  for (const auto& [name, found] : by_name) {
    out.files.push_back(*found.first);
    out.job_of[name] = *found.second;
  }
  return out;
}

}  // namespace xship::release
