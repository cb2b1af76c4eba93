// manifest.json and SHA256SUMS: written last, from verified results only. Pure.
//
// Matrix CI (one target per CI job): each job writes a job manifest,
// PREFIX/manifests/NAME.json, instead of the top-level files; a final step merges them
// (merge_job_manifests) into one manifest.json and SHA256SUMS.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "cross/artifact.h"
#include "release/template.h"

namespace xship::release {

struct ManifestEntry {
  std::string name;  // relative to the destination prefix
  std::string key;
  std::uint64_t size = 0;
  std::string md5;  // hex
  std::string sha256;  // hex
  std::string etag;  // as the store reports it
  std::string url;
  std::string os, arch;
  std::optional<cross::ArtifactInfo> artifact;  // a release archive or program: its target, contents, requirements
};

inline constexpr const char* kManifestFormat = "xship-manifest-1";
inline constexpr const char* kJobManifestFormat = "xship-job-manifest-1";

// One file's object in manifest.json (and in merge's --json output).
nlohmann::ordered_json entry_json(const ManifestEntry& e);

// Deterministic: entries sorted by name, no timestamps, so an unchanged release gives
// the same bytes and a second run skips them too.
std::string manifest_json(const std::vector<ManifestEntry>& entries, const BuildInfo& info);
// "HEX  NAME\n" lines, the format `sha256sum -c` reads.
std::string sha256sums(const std::vector<ManifestEntry>& entries);

// Reads a manifest back (for fetch --manifest and --merge-manifests).
Result<std::vector<ManifestEntry>> parse_manifest(const std::string& json);

// A manifest with its header: the build it describes and, for a job manifest, the job.
struct ManifestDoc {
  std::string format;  // kManifestFormat or kJobManifestFormat
  std::string job;  // job manifests only
  BuildInfo info;  // repo, branch, commit, tag, version (date and ci are not recorded)
  std::string sha256sums;  // release manifests: hex SHA-256 of the SHA256SUMS they belong to
  std::vector<ManifestEntry> files;
};
Result<ManifestDoc> parse_manifest_doc(const std::string& json);

// One CI job's share of a release: the manifest.json layout plus "job", format
// kJobManifestFormat. Deterministic like manifest_json.
std::string job_manifest_json(const std::string& job, const std::vector<ManifestEntry>& entries, const BuildInfo& info);

// Where a job manifest lives: PREFIX/manifests/NAME.json.
inline constexpr const char* kJobManifestDir = "manifests/";
std::string job_manifest_key(const std::string& prefix, const std::string& job);
// The job name from `key` when it is a job manifest directly under PREFIX/manifests/, else "".
std::string job_name_from_key(const std::string& prefix, const std::string& key);

// A job manifest's NAME: a plain file name of letters, digits, '.', '_' and '-'.
bool is_job_name(const std::string& s);

// Before a job replaces PREFIX/manifests/NAME.json: an existing one for the same commit that
// lists a file this job does not publish was written by another job using the same NAME
// (Usage error: that job's files would vanish from the merged manifest). A rerun of the same
// job passes; so does a job manifest of another commit (stale, from an earlier push).
Status check_job_manifest_replace(const ManifestDoc& existing, const std::string& job,
                                  const std::vector<ManifestEntry>& entries, const BuildInfo& info);

struct MergedManifest {
  BuildInfo info;  // what every merged job manifest says
  std::vector<ManifestEntry> files;  // sorted by name, one entry per name
  std::map<std::string, std::string> job_of;  // file name -> the (first) job that listed it
  std::vector<std::string> jobs;  // merged, sorted
  std::vector<std::string> skipped;  // stale: job manifests of another commit, sorted
};

// Merges job manifests, in any order, into one release: the same result whatever order the
// jobs finished. With `commit` set, only the job manifests of that commit count (the others
// are left from an earlier push to the same prefix and are skipped); with it empty, all must
// be of one commit. Job manifests must agree on repo, branch, commit, tag and version (Usage
// error otherwise). A name listed by two jobs with different contents is an Integrity error
// naming the file and both jobs; with the same contents it is one file.
Result<MergedManifest> merge_job_manifests(std::vector<ManifestDoc> jobs, const std::string& commit);

}  // namespace xship::release
