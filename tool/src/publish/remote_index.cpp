#include "publish/remote_index.h"

namespace xship::publish {

std::string listing_prefix(const S3Location& dest) {
  return dest.key.empty() || dest.key.ends_with('/') ? dest.key : dest.key + "/";
}

Result<RemoteIndex> RemoteIndex::list(s3::Client& client, const S3Location& dest) {
  auto listed = client.list_objects({dest.bucket, listing_prefix(dest)});
  if (!listed) return listed.error();
  RemoteIndex index;
  for (auto& o : *listed) index.objects_[o.key] = {o.size, o.etag};
  return index;
}

const RemoteObject* RemoteIndex::find(const std::string& key) const {
  auto it = objects_.find(key);
  return it == objects_.end() ? nullptr : &it->second;
}

Result<bool> RemoteIndex::holds(s3::Client& client, const s3::ObjectRef& obj, std::uint64_t size,
                                const std::string& md5hex, bool etag_check, int& retries) const {
  const RemoteObject* listed = find(obj.key);
  if (!listed || listed->size != size) return false;
  if (etag_check && listed->etag == md5hex) return true;
  s3::CallStats st;
  auto head = client.head(obj, &st);
  retries += st.retries;
  if (!head) return head.error();
  return head->exists && head->size == size && head->metadata["md5"] == md5hex;
}

}  // namespace xship::publish
