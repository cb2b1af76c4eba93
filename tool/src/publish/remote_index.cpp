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

}  // namespace xship::publish
