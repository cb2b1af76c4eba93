#include "publish/alias.h"

#include <fmt/format.h>

#include <map>
#include <mutex>
#include <optional>

#include "core/thread_pool.h"
#include "publish/engine.h"
#include "publish/existing.h"
#include "publish/prune_plan.h"
#include "s3/headers.h"

namespace xship::publish {

namespace {

std::string as_folder(std::string key) {
  if (!key.empty() && !key.ends_with('/')) key += '/';
  return key;
}

}  // namespace

Status check_alias_text(const std::string& text) {
  std::string path = text;
  if (text.starts_with("s3://")) {
    auto loc = parse_s3_url(text);
    if (!loc) return loc.error();
    if (loc->key.empty() || loc->key == "/")
      return usage_error(fmt::format("--alias '{}' is a whole bucket: give a prefix, s3://BUCKET/PREFIX", text));
    path = loc->key;
  } else if (text.empty() || text.starts_with('/')) {
    return usage_error(
        fmt::format("--alias '{}' names no prefix: give a name such as latest (beside the release) or "
                    "s3://BUCKET/PREFIX",
                    text));
  }
  if (path.ends_with('/')) path.pop_back();
  for (std::size_t start = 0; start <= path.size();) {
    std::size_t end = std::min(path.find('/', start), path.size());
    std::string_view seg(path.data() + start, end - start);
    if (seg.empty() || seg == "." || seg == "..")
      return usage_error(
          fmt::format("--alias '{}' has an empty, '.' or '..' segment: S3 keys are not paths; give "
                      "a plain name such as latest",
                      text));
    start = end + 1;
  }
  return ok_status();
}

Result<S3Location> resolve_alias(const std::string& text, const S3Location& release) {
  XSHIP_TRY(check_alias_text(text));
  std::string own = as_folder(release.key);
  S3Location alias;
  if (text.starts_with("s3://")) {
    auto loc = parse_s3_url(text);
    if (!loc) return loc.error();
    alias = {loc->bucket, as_folder(loc->key)};
  } else {
    if (own.empty())
      return usage_error(
          fmt::format("--alias {}: the release is at the bucket's top, so it has no parent prefix to "
                      "put the alias in; give s3://BUCKET/PREFIX",
                      text));
    std::string parent = own.substr(0, own.find_last_of('/', own.size() - 2) + 1);  // "" when the release is "v1/"
    alias = {release.bucket, as_folder(parent + text)};
  }
  if (alias.bucket == release.bucket && (alias.key.starts_with(own) || own.starts_with(alias.key)))
    return usage_error(
        fmt::format("--alias {} is s3://{}/{}, which is the release s3://{}/{} or holds it or lies "
                    "inside it: give another name",
                    text, alias.bucket, alias.key, release.bucket, own));
  return alias;
}

namespace {

struct AliasRun {
  AliasRun(s3::Client& c, const AliasOptions& o, const S3Location& from, const S3Location& to)
      : client(c), opts(o), release{from.bucket, as_folder(from.key)}, alias{to.bucket, as_folder(to.key)} {}
  s3::Client& client;
  const AliasOptions& opts;
  S3Location release, alias;  // keys ending in '/'
  std::mutex mu;
  std::optional<Error> error;  // the first, under mu
  std::atomic<bool> failed{false};
  std::size_t copied = 0;  // under mu

  void fail(Error e) {
    std::lock_guard lock(mu);
    if (!error) error = std::move(e);
    failed = true;
  }
};

// The headers publish gives this name (type, disposition, the run's metadata and tags,
// the sums stored with the source), with a short Cache-Control: an alias moves.
Result<s3::ObjectHeaders> alias_headers(const AliasOptions& opts, const std::string& relative, s3::ObjectInfo& source) {
  // A source published without sums (a cold multipart file) gives its alias none either.
  std::optional<WholeSums> sums;
  if (!source.metadata["md5"].empty() || !source.metadata["sha256"].empty())
    sums = WholeSums{source.metadata["md5"], source.metadata["sha256"]};
  auto h = object_headers(opts.headers, relative, sums, s3::stored_part_size(source));
  if (!h) return h.error();
  h->cache_control = kAliasCacheControl;
  return h;
}

Status copy_one(AliasRun& run, const s3::ListedObject& obj) {
  const s3::ObjectRef source{run.release.bucket, obj.key};
  const std::string relative = obj.key.substr(run.release.key.size());
  const s3::ObjectRef target{run.alias.bucket, run.alias.key + relative};
  s3::CallStats st;
  auto head = run.client.head(source, &st);
  if (!head) return head.error();
  if (!head->exists)
    return runtime_error(fmt::format("s3://{}/{} vanished while the alias was moved", source.bucket, source.key));
  auto headers = alias_headers(run.opts, relative, *head);
  if (!headers) return headers.error();
  CopyLimits limits{run.opts.copy_threshold, run.opts.copy_part_size};
  // Without stored sums, only the ETag vouches for the copy: copied in the source's parts,
  // it is the source's on any store (a CopyObject may get a plain MD5 ETag on S3).
  if (const std::uint64_t part = s3::stored_part_size(*head); part && head->metadata["md5"].empty()) limits = {0, part};
  XSHIP_TRY(server_copy(run.client, source, target, head->size, *headers, limits, st));
  auto copy = run.client.head(target, &st);
  if (!copy) return copy.error();
  bool same_sums =
      copy->etag == head->etag || (!head->metadata["md5"].empty() && copy->metadata["md5"] == head->metadata["md5"]);
  if (!copy->exists || copy->size != head->size || (run.opts.etag_check && !same_sums))
    return integrity_error(fmt::format("the alias copy s3://{}/{} does not match s3://{}/{} (size {}, ETag {})",
                                       target.bucket, target.key, source.bucket, source.key, copy->size, copy->etag));
  int retries = 0;  // a store may drop tags on copies (existing.h)
  XSHIP_TRY(ensure_tags(run.client, target, headers->tags, copy->headers, retries));
  std::lock_guard lock(run.mu);
  ++run.copied;
  return ok_status();
}

Status delete_extras(s3::Client& client, const S3Location& alias, const std::vector<std::string>& keys,
                     std::size_t& removed) {
  for (const auto& batch : delete_batches(keys)) {
    auto done = client.delete_objects(alias.bucket, batch);
    if (!done) return done.error();
    removed += done->deleted.size();
    if (!done->errors.empty())
      return runtime_error(fmt::format(
          "the alias s3://{}/{} moved, but s3://{}/{} of the release before could not be "
          "deleted: {} {}",
          alias.bucket, alias.key, alias.bucket, done->errors[0].key, done->errors[0].code, done->errors[0].message));
  }
  return ok_status();
}

}  // namespace

Result<AliasReport> move_alias(s3::Client& client, const S3Location& release, const S3Location& alias,
                               const AliasOptions& opts, const std::atomic<bool>* cancel) {
  AliasRun run(client, opts, release, alias);
  auto source = client.list_objects({run.release.bucket, run.release.key});
  if (!source) return source.error();
  auto there = client.list_objects({run.alias.bucket, run.alias.key});
  if (!there) return there.error();
  const std::string manifest_key = run.release.key + kManifestName;
  const s3::ListedObject* manifest = nullptr;
  std::map<std::string, const s3::ListedObject*> current;  // by name relative to the alias
  for (const auto& o : *there) current[o.key.substr(run.alias.key.size())] = &o;
  AliasReport report{run.alias, 0, 0, 0};
  std::vector<const s3::ListedObject*> todo;
  for (const auto& o : *source) {
    std::string name = o.key.substr(run.release.key.size());
    auto it = current.find(name);
    if (o.key == manifest_key)
      manifest = &o;
    else if (it != current.end() && it->second->size == o.size && it->second->etag == o.etag)
      ++report.unchanged;
    else
      todo.push_back(&o);
    if (it != current.end()) current.erase(it);
  }
  if (!manifest)
    return runtime_error(fmt::format("s3://{}/{} has no {}: only a complete release gets an alias", release.bucket,
                                     run.release.key, kManifestName));
  {
    ThreadPool pool(opts.concurrency);
    for (const auto* o : todo)
      pool.post([&run, o, cancel] {
        if (run.failed || (cancel && cancel->load())) return;
        if (auto s = copy_one(run, *o); !s) run.fail(s.error());
      });
    pool.wait();
  }
  if (run.error) return *run.error;
  if (cancel && cancel->load())
    return Error{ErrorCategory::Interrupted, "interrupted before the alias's manifest was copied"};
  XSHIP_TRY(copy_one(run, *manifest));  // last: the alias now names the new release
  std::vector<std::string> extras;
  for (const auto& [_, o] : current) extras.push_back(o->key);
  XSHIP_TRY(delete_extras(client, run.alias, extras, report.removed));
  report.copied = run.copied;
  return report;
}

}  // namespace xship::publish
