// The links a publish hands out: each object's download URL (the store's own, or under
// --url-base) for the output, --json, manifest.json and the release page, and with
// --presign a presigned GET URL for the output and the page only (it expires and names
// the access key, so it never goes into the manifest).
#pragma once
#include <chrono>
#include <optional>
#include <string>

#include "core/result.h"
#include "s3/client.h"
#include "s3/credentials.h"

namespace xship::publish {

class Links {
 public:
  Links() = default;
  // Asks for the credentials once when presigning, so every link of a run is signed at one
  // moment, `now`, and expires at one moment. `presign` 0 = no presigned links.
  static Result<Links> make(const s3::Client& client, std::string url_base, std::chrono::seconds presign,
                            std::chrono::system_clock::time_point now);

  std::string url(const s3::ObjectRef& obj) const;
  std::string presigned(const s3::ObjectRef& obj) const;  // "" without --presign
  bool presigning() const { return presign_.count() > 0; }
  std::chrono::system_clock::time_point expires_at() const { return signed_at_ + presign_; }
  // Temporary credentials end every presigned link's life with theirs.
  std::optional<std::chrono::system_clock::time_point> credentials_expire() const { return creds_.expiration; }

 private:
  const s3::ClientConfig* cfg_ = nullptr;
  std::string url_base_;
  std::chrono::seconds presign_{0};
  Credentials creds_;
  std::chrono::system_clock::time_point signed_at_{};
};

}  // namespace xship::publish
