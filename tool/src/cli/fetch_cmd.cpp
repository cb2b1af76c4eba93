// `xship fetch s3://BUCKET/KEY [DEST]` and `xship fetch --manifest s3://.../manifest.json DIR`.
#include <fmt/format.h>

#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/commands.h"
#include "cli/connection.h"
#include "cli/signing_keys.h"
#include "core/terminal.h"
#include "core/thread_pool.h"
#include "core/units.h"
#include "fetch/fetch.h"
#include "fetch/release.h"
#include "fetch/signed_release.h"
#include "release/manifest.h"
#include "s3/verified_get.h"

namespace fs = std::filesystem;

namespace xship::cli {

namespace {

// What --manifest asks for: the release and, with --verify-key, the key it must be signed by.
struct ReleaseRequest {
  S3Location manifest;
  std::optional<minisign::PublicKey> key;
  const minisign::PublicKey* key_ptr() const { return key ? &*key : nullptr; }
};

// The release's files into DIR, several at once, each checked against the manifest.
Result<std::vector<fetch::Fetched>> fetch_entries(s3::Client& client, const std::string& bucket,
                                                  const std::vector<release::ManifestEntry>& entries,
                                                  const std::string& dir, const fetch::FetchOptions& opts, bool json) {
  std::mutex mu;
  std::optional<Error> first_error;
  std::vector<fetch::Fetched> done;
  {
    // Files in parallel; each big file's ranges share what is left of the budget.
    ThreadPool pool(opts.concurrency);
    fetch::FetchOptions per_file = opts;
    per_file.concurrency = fetch::streams_per_file(opts.concurrency, entries.size());
    for (const auto& e : entries) {
      pool.post([&, e] {
        fs::path dest = fs::path(dir) / e.name;
        std::error_code mk;
        fs::create_directories(dest.parent_path(), mk);
        fetch::Expected want{e.md5, e.sha256, e.size, true};
        auto r = fetch::fetch_object(client, bucket, e.key, dest.string(), want, per_file);
        std::lock_guard lock(mu);
        if (!r) {
          if (!first_error) first_error = r.error();
          return;
        }
        if (!json)
          fmt::print("fetched {:>10}  {}  {}  (verified by {})\n", human_size(r->size), r->sha256, printable(r->path),
                     r->verified_by);
        done.push_back(*r);
      });
    }
    pool.wait();
  }
  if (first_error) return *first_error;
  return done;
}

Status fetch_manifest(s3::Client& client, const ReleaseRequest& req, std::optional<cross::Target> target,
                      const std::string& dir, const fetch::FetchOptions& opts, bool json) {
  const S3Location& manifest = req.manifest;
  // Checked (and with a key, its signatures) before DIR is even created.
  auto top = fetch::fetch_release_top(client, manifest, req.key_ptr(), opts.etag_check);
  if (!top) return top.error();
  const auto* all = &top->manifest.files;
  auto entries = target ? fetch::entries_for_target(*all, *target) : *all;
  if (!entries) return entries.error();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return usage_error(fmt::format("cannot create '{}': {}", dir, ec.message()));
  for (const auto& e : *entries) XSHIP_TRY(fetch::check_entry_name(e.name, dir));

  auto fetched = fetch_entries(client, manifest.bucket, *entries, dir, opts, json);
  if (!fetched) return fetched.error();
  const auto& done = *fetched;

  // SHA256SUMS sits beside the manifest; it must say exactly what the manifest says.
  std::string sums_key = fetch::sibling_key(manifest.key, "SHA256SUMS");
  auto sums = top->sums ? Result<std::string>(*top->sums)
                        : s3::get_small_object(client, manifest.bucket, sums_key, opts.etag_check);
  if (!sums) return sums.error();
  if (*sums != release::sha256sums(*all))
    return integrity_error(
        fmt::format("s3://{}/{} disagrees with the manifest: the release is inconsistent", manifest.bucket, sums_key));
  XSHIP_TRY(fetch::write_file((fs::path(dir) / "SHA256SUMS").string(), *sums));
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& d : done)
      out.push_back(
          {{"path", d.path}, {"size", d.size}, {"md5", d.md5}, {"sha256", d.sha256}, {"verified_by", d.verified_by}});
    fmt::print("{}\n", json_text(out));
  } else {
    fmt::print("fetched {} files into {}; SHA256SUMS written (check with: cd {} && sha256sum -c {}SHA256SUMS)\n",
               done.size(), printable(dir), printable(dir), target ? "--ignore-missing " : "");
  }
  return ok_status();
}

Status extract_release(s3::Client& client, const ReleaseRequest& req, cross::Target target, const std::string& dir,
                       const fetch::FetchOptions& opts, bool json) {
  auto top = fetch::fetch_release_top(client, req.manifest, req.key_ptr(), opts.etag_check);
  if (!top) return top.error();
  auto entries = fetch::entries_for_target(top->manifest.files, target);
  if (!entries) return entries.error();
  auto r = fetch::fetch_and_extract(client, req.manifest.bucket, *entries, dir, opts);
  if (!r) return r.error();
  if (json) {
    fmt::print("{}\n", json_text(nlohmann::json{
                           {"target", target.name()}, {"dir", dir}, {"files", r->files}, {"bytes", r->bytes}}));
    return ok_status();
  }
  for (const auto& e : *entries)
    fmt::print("fetched {:>10}  {}  {}\n", human_size(e.size), e.sha256, printable(e.name));
  fmt::print("unpacked {} for {} into {}: {} files, {}\n",
             entries->size() == 1 ? printable((*entries)[0].name) : "the release", target.name(), printable(dir),
             r->files.size(), human_size(r->bytes));
  return ok_status();
}

// The command line, as given; validate() rejects the combinations that cannot work.
struct FetchFlags {
  std::string source, dest, manifest_url, etag_check = "on";
  std::string target_text, extract_dir, verify_key_text;
  bool json = false;
  fetch::FetchOptions opts;
  ConnectionFlags conn;

  void add_to(CLI::App& app) {
    app.add_option("source", source, "s3://BUCKET/KEY to download");
    app.add_option("dest", dest,
                   "File or directory to write (default: the key's base name here); with --manifest, the directory");
    app.add_option("--manifest", manifest_url,
                   "s3://.../manifest.json: download every file it lists into DEST and verify each by SHA-256");
    app.add_option("--target", target_text, "With --manifest: only this target's files (OS/ARCH, e.g. linux/arm64)");
    app.add_option("--extract", extract_dir,
                   "With --manifest --target: unpack that target's release into this directory "
                   "(archives unpacked, programs decompressed)");
    app.add_option("--verify-key", verify_key_text,
                   "With --manifest: the release must be signed by this minisign public key (a .pub file or its "
                   "base64 line); SHA256SUMS, manifest.json and their signatures are checked before anything is "
                   "written. A bad, missing or other key's signature: exit 3")
        ->option_text("KEY");
    app.add_option("--concurrency", opts.concurrency, "Parallel requests")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    app.add_option("--etag-check", etag_check, "off accepts objects with nothing to verify against")
        ->check(CLI::IsMember({"on", "off"}));
    app.add_flag("--json", json, "Print a machine-readable result");
    add_connection_flags(app, conn);
  }

  Status validate() const {
    if ((!target_text.empty() || !extract_dir.empty()) && manifest_url.empty())
      return usage_error("--target and --extract pick from a release: add --manifest s3://BUCKET/PREFIX/manifest.json");
    if (!extract_dir.empty() && target_text.empty())
      return usage_error("--extract unpacks one target's release: add --target OS/ARCH (e.g. --target linux/arm64)");
    if (!verify_key_text.empty() && manifest_url.empty())
      return usage_error(
          "--verify-key checks a signed release: add --manifest s3://BUCKET/PREFIX/manifest.json "
          "(or check one file with minisign -Vm FILE -p KEY.pub)");
    return ok_status();
  }
};

// --manifest: the whole release (or one target's files) into a directory, or --extract.
Status release_command(const FetchFlags& f, ReleaseRequest& req, std::optional<cross::Target> target) {
  // --extract DIR names the directory; otherwise the first positional is it.
  std::string dir = !f.extract_dir.empty() ? f.extract_dir : !f.source.empty() && f.dest.empty() ? f.source : f.dest;
  if (!f.extract_dir.empty() && (!f.source.empty() || !f.dest.empty()))
    return usage_error("--extract DIR is where the release goes: drop the other directory argument");
  if (dir.empty())
    return usage_error(
        "fetch --manifest needs a directory: xship fetch --manifest s3://BUCKET/PREFIX/manifest.json DIR");
  auto loc = parse_s3_url(f.manifest_url);
  if (!loc) return loc.error();
  req.manifest = *loc;
  auto cfg = make_client_config(f.conn);
  if (!cfg) return cfg.error();
  s3::Client client(*cfg);
  if (!f.extract_dir.empty()) return extract_release(client, req, *target, f.extract_dir, f.opts, f.json);
  return fetch_manifest(client, req, target, dir, f.opts, f.json);
}

// One object to DEST (a file, or a directory to put the key's base name in).
Status object_command(const FetchFlags& f) {
  if (f.source.empty()) return usage_error("nothing to fetch: xship fetch s3://BUCKET/KEY [DEST]");
  auto loc = parse_s3_url(f.source);
  if (!loc) return loc.error();
  if (loc->key.empty() || loc->key.ends_with('/'))
    return usage_error(
        fmt::format("'{}' names no object: give the full key, or use --manifest for a release", f.source));
  std::string base = fs::path(loc->key).filename().string();
  std::string dest = f.dest;
  if (dest.empty())
    dest = base;
  else if (fs::is_directory(dest))
    dest = (fs::path(dest) / base).string();
  auto cfg = make_client_config(f.conn);
  if (!cfg) return cfg.error();
  s3::Client client(*cfg);
  auto r = fetch::fetch_object(client, loc->bucket, loc->key, dest, {}, f.opts);
  if (!r) return r.error();
  if (f.json)
    fmt::print("{}\n", json_text(nlohmann::json{{"path", r->path},
                                                {"size", r->size},
                                                {"md5", r->md5},
                                                {"sha256", r->sha256},
                                                {"verified_by", r->verified_by},
                                                {"retries", r->retries}}));
  else
    fmt::print("fetched {:>10}  {}  {}  (verified by {})\n", human_size(r->size),
               r->sha256.empty() ? r->md5 : r->sha256, printable(r->path), r->verified_by);
  return ok_status();
}

}  // namespace

Status run_fetch(int argc, char** argv) {
  CLI::App app{"Download objects and verify them before they are kept.", "fetch"};
  FetchFlags f;
  f.add_to(app);
  auto parsed = parse_args(app, argc, argv);
  if (!parsed) return parsed.error();
  if (!*parsed) return ok_status();
  f.opts.etag_check = f.etag_check == "on";
  XSHIP_TRY(f.validate());

  ReleaseRequest req;
  if (!f.verify_key_text.empty()) {
    auto key = load_verify_key(f.verify_key_text);
    if (!key) return key.error();
    req.key = *key;
  }
  std::optional<cross::Target> target;
  if (!f.target_text.empty()) {
    auto t = cross::parse_target(f.target_text);
    if (!t) return t.error();
    target = *t;
  }
  if (!f.manifest_url.empty()) return release_command(f, req, target);
  return object_command(f);
}

}  // namespace xship::cli
