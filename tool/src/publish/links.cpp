#include "publish/links.h"

#include <fmt/format.h>

#include "core/terminal.h"
#include "s3/credential_json.h"
#include "s3/presign.h"

namespace xship::publish {

Result<Links> Links::make(const s3::Client& client, std::string url_base, std::chrono::seconds presign,
                          std::chrono::system_clock::time_point now) {
  Links l;
  l.cfg_ = &client.config();
  l.url_base_ = std::move(url_base);
  l.presign_ = presign;
  l.signed_at_ = now;
  if (presign.count() == 0) return l;
  XSHIP_TRY(check_presign_expiry(presign));
  auto creds = l.cfg_->credentials->get();
  if (!creds) return creds.error();
  l.creds_ = std::move(*creds);
  // Temporary credentials end every presigned link's life with theirs, whatever it asks for.
  if (l.creds_.expiration && *l.creds_.expiration < l.expires_at())
    fmt::print(stderr,
               "xship: warning: the presigned links stop working at {}, when the temporary credentials from {} "
               "expire\n",
               format_iso8601(*l.creds_.expiration), printable(l.creds_.source));
  return l;
}

std::string Links::url(const s3::ObjectRef& obj) const {
  return download_url(cfg_->endpoint, obj.bucket, obj.key, cfg_->addressing, url_base_);
}

std::string Links::presigned(const s3::ObjectRef& obj) const {
  if (!presigning()) return "";
  // Presigned links go to the store itself: a CDN in front of it would not pass the
  // signature through unchanged.
  auto p = presign_get(object_url(cfg_->endpoint, obj.bucket, obj.key, cfg_->addressing), creds_, signed_at_,
                       {cfg_->region, "s3"}, presign_);
  return p ? p->url : "";  // the expiry, the only thing presign_get refuses, was checked in make()
}

}  // namespace xship::publish
