// A file in one PUT: from memory (read, and found unchanged, before it is sent) or
// streamed from the file (checked after, since the bytes went out as they were read).
#include "publish/engine.h"

namespace xship::publish {

Result<s3::PutOptions> verified_put_options(const HeaderRules& rules, const std::string& name,
                                            const std::string& md5hex, const std::string& sha256hex,
                                            const digest::Md5& md5) {
  s3::PutOptions o;
  o.content_md5 = digest::content_md5(md5);
  auto headers = object_headers(rules, name, WholeSums{md5hex, sha256hex});
  if (!headers) return headers.error();
  o.headers = std::move(*headers);
  return o;
}

void put_single(Run& run, const PlannedFile& f, FileResult r, const s3::Body& body, const s3::PutOptions& opts) {
  const s3::ObjectRef obj{r.bucket, r.key};
  s3::CallStats st;
  auto etag = run.client.put(obj, body, opts, &st);
  r.retries += st.retries;
  if (!etag) return run.fail(etag.error());
  const bool streamed = body.file.fd >= 0;
  if (streamed && !unchanged(f)) {
    (void)run.client.delete_object(obj);
    return run.fail(changed_error(f.path));
  }
  auto verified = verify_etag(run.client, run.opts.etag_check, r.bucket, r.key, *etag, r.md5, f.stamp.size, r.retries);
  if (!verified) {
    (void)run.client.delete_object(obj);
    return run.fail(verified.error());
  }
  r.etag = *verified;
  run.add_progress(f.stamp.size);
  run.finished(std::move(r));
}

}  // namespace xship::publish
