#include "cli/publish_report.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/connection.h"
#include "core/terminal.h"
#include "core/units.h"
#include "cross/artifact.h"

namespace xship::cli {

namespace {

const char* status_word(publish::FileStatus s) {
  switch (s) {
    case publish::FileStatus::Uploaded: return "uploaded";
    case publish::FileStatus::Skipped: return "skipped";
    case publish::FileStatus::Copied: return "copied";
    case publish::FileStatus::MetadataUpdated: return "metadata_updated";
  }
  return "";
}

nlohmann::json file_json(const publish::FileResult& r) {
  nlohmann::json f;
  f["name"] = r.name;
  f["bucket"] = r.bucket;
  f["key"] = r.key;
  f["size"] = r.size;
  f["md5"] = r.md5;
  f["sha256"] = r.sha256;
  f["etag"] = r.etag;
  f["url"] = r.url;
  if (!r.presigned_url.empty()) f["presigned_url"] = r.presigned_url;
  f["status"] = status_word(r.status);
  f["retries"] = r.retries;
  f["parts"] = r.parts;
  f["parts_resumed"] = r.parts_resumed;
  f["digests_cached"] = r.digests_cached;
  f["os"] = r.os;
  f["arch"] = r.arch;
  if (r.artifact) f["artifact"] = cross::artifact_json(*r.artifact);
  return f;
}

struct Counts {
  int uploaded = 0, skipped = 0, copied = 0, metadata_updated = 0, retries = 0;
};

Counts count(const publish::PublishReport& report) {
  Counts c;
  for (const auto& r : report.files) {
    c.uploaded += r.status == publish::FileStatus::Uploaded;
    c.skipped += r.status == publish::FileStatus::Skipped;
    c.copied += r.status == publish::FileStatus::Copied;
    c.metadata_updated += r.status == publish::FileStatus::MetadataUpdated;
    c.retries += r.retries;
  }
  return c;
}

}  // namespace

publish::FileCallback file_printer(bool json, bool tty) {
  return [json, tty](const publish::FileResult& r) {
    if (json) return;
    std::string extra = r.retries ? fmt::format("  retries {}", r.retries) : "";
    if (r.parts_resumed) extra += fmt::format("  resumed {} of {} parts", r.parts_resumed, r.parts);
    if (tty) fmt::print(stderr, "\r\033[K");
    const char* word = r.status == publish::FileStatus::MetadataUpdated ? "updated metadata" : status_word(r.status);
    // A cold multipart file has no whole-file MD5: its multipart ETag stands in the column.
    fmt::print("{:<8} {:>10}  {}  {}{}\n", word, human_size(r.size), r.md5.empty() ? r.etag : r.md5,
               r.presigned_url.empty() ? r.url : r.presigned_url, extra);
    std::fflush(stdout);
  };
}

void print_publish_summary(const publish::PublishReport& report, double secs, bool json) {
  if (report.stale_uploads_aborted && !json)
    fmt::print(stderr, "xship: aborted {} multipart upload(s) left behind by an interrupted run\n",
               report.stale_uploads_aborted);
  Counts c = count(report);
  if (!json) {
    fmt::print(
        "published {} objects: {} uploaded, {} skipped (already there), {} copied, {} with only their headers "
        "updated; {} sent in {:.2f} s ({}/s); {} retries\n",
        report.files.size(), c.uploaded, c.skipped, c.copied, c.metadata_updated, human_size(report.bytes_sent), secs,
        human_size(static_cast<std::uint64_t>(double(report.bytes_sent) / std::max(secs, 0.001))), c.retries);
    for (const auto& m : report.manifest_urls) fmt::print("manifest {}\n", m);
    for (const auto& p : report.page_urls) fmt::print("page {}\n", p);
    return;
  }
  nlohmann::json out;
  out["files"] = nlohmann::json::array();
  for (const auto& r : report.files) out["files"].push_back(file_json(r));
  out["uploaded"] = c.uploaded;
  out["skipped"] = c.skipped;
  out["copied"] = c.copied;
  out["metadata_updated"] = c.metadata_updated;
  out["retries"] = c.retries;
  out["stale_uploads_aborted"] = report.stale_uploads_aborted;
  out["bytes_sent"] = report.bytes_sent;
  out["seconds"] = secs;
  out["manifests"] = report.manifest_urls;
  out["pages"] = report.page_urls;
  fmt::print("{}\n", json_text(out));
}

Status print_dry_run(const publish::PublishOptions& opts, const std::vector<publish::PlannedFile>& files, bool json) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& d : opts.destinations)
    for (const auto& f : files) {
      std::string key = join_key(d.key, f.relative);
      XSHIP_TRY(validate_key(key));
      if (json)
        out.push_back({{"bucket", d.bucket}, {"key", key}, {"size", f.stamp.size}});
      else
        fmt::print("would publish {:>10}  s3://{}/{}\n", human_size(f.stamp.size), d.bucket, printable(key));
    }
  if (!opts.job_manifest.empty() && !json)
    for (const auto& d : opts.destinations)
      fmt::print("would write job manifest s3://{}/{}\n", d.bucket,
                 release::job_manifest_key(d.key, opts.job_manifest));
  else if (opts.write_manifest && !json)
    for (const auto& d : opts.destinations)
      fmt::print("would write SHA256SUMS, manifest.json{} last in s3://{}/{}\n",
                 opts.write_page ? ", index.html and index.md" : "", d.bucket,
                 printable(d.key.empty() || d.key.ends_with('/') ? d.key : d.key + '/'));
  if (opts.sign_key && !json)
    fmt::print("would sign SHA256SUMS and manifest.json with key {}\n", minisign::key_id_text(opts.sign_key->id));
  if (json) fmt::print("{}\n", json_text(out));
  return ok_status();
}

void print_merge_report(const publish::MergeReport& report, bool json) {
  const auto& m = report.merged;
  if (json) {
    nlohmann::ordered_json out;
    out["jobs"] = m.jobs;
    out["skipped_jobs"] = m.skipped;
    out["files"] = nlohmann::ordered_json::array();
    for (const auto& e : m.files) {
      auto f = release::entry_json(e);
      f["job"] = m.job_of.at(e.name);
      out["files"].push_back(std::move(f));
    }
    out["written"] = report.written;
    out["manifests"] = {report.manifest_url};
    out["pages"] = nlohmann::ordered_json::array();
    if (!report.page_url.empty()) out["pages"].push_back(report.page_url);
    fmt::print("{}\n", json_text(out));
    return;
  }
  for (const auto& e : m.files)
    fmt::print("{:<14} {:>10}  {}  {}\n", m.job_of.at(e.name), human_size(e.size), printable(e.md5), printable(e.url));
  if (!m.skipped.empty())
    fmt::print(stderr, "xship: skipped {} job manifest(s) of another commit (left by an earlier push): {}\n",
               m.skipped.size(), fmt::join(m.skipped, ", "));
  fmt::print("merged {} job manifests ({}) into {} files; SHA256SUMS and manifest.json {}\n", m.jobs.size(),
             fmt::join(m.jobs, ", "), m.files.size(), report.written ? "written" : "unchanged (already merged)");
  fmt::print("manifest {}\n", report.manifest_url);
  if (!report.page_url.empty()) fmt::print("page {}\n", report.page_url);
}

}  // namespace xship::cli
