// What a destination already holds, listed once before anything is sent: one listing
// answers "is it there already?" for every file, and doubles as the check that the bucket
// exists and the keys work.
#pragma once
#include <map>
#include <string>

#include "core/result.h"
#include "publish/uploader.h"
#include "s3/client.h"

namespace xship::publish {

// The prefix a destination's objects are listed under: its key as a directory.
std::string listing_prefix(const S3Location& dest);

class RemoteIndex {
 public:
  static Result<RemoteIndex> list(s3::Client& client, const S3Location& dest);

  // nullptr when the listing had no such key.
  const RemoteObject* find(const std::string& key) const;

 private:
  std::map<std::string, RemoteObject> objects_;
};

}  // namespace xship::publish
