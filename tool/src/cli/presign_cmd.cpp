// `xship presign [--expires DURATION] s3://BUCKET/KEY`: a URL that downloads one object
// without credentials until it expires. Computed here, nothing is sent: the credentials
// are only asked for (and temporary ones fetched) to sign with.
#include <fmt/format.h>

#include <chrono>

#include "cli/commands.h"
#include "cli/connection.h"
#include "core/terminal.h"
#include "core/units.h"
#include "s3/credential_json.h"
#include "s3/presign.h"

namespace xship::cli {

namespace {

// Temporary credentials end the URL's life with theirs, whatever X-Amz-Expires says.
void warn_if_outlived(const Credentials& creds, std::chrono::system_clock::time_point until) {
  if (creds.expiration && *creds.expiration < until)
    fmt::print(stderr, "xship: warning: the URL stops working at {}, when the temporary credentials from {} expire\n",
               format_iso8601(*creds.expiration), printable(creds.source));
}

}  // namespace

Status run_presign(int argc, char** argv) {
  CLI::App app{
      "Print a URL that downloads one object with no credentials until it expires (SigV4 query signing, "
      "as aws s3 presign). Nothing is sent to the store",
      "presign"};
  ConnectionFlags conn;
  std::string source;
  std::string expires_text = "3600";
  app.add_option("object", source, "s3://BUCKET/KEY of the object to share");
  app.add_option("--expires", expires_text,
                 "How long the URL works: seconds, or a number with s, m, h or d (at most 7d)")
      ->capture_default_str();
  add_connection_flags(app, conn);
  auto parsed = parse_args(app, argc, argv);
  if (!parsed) return parsed.error();
  if (!*parsed) return ok_status();

  auto expires = parse_duration(expires_text, "--expires");
  if (!expires) return expires.error();
  XSHIP_TRY(check_presign_expiry(*expires));
  if (source.empty()) return usage_error("nothing to presign: xship presign [--expires DURATION] s3://BUCKET/KEY");
  auto loc = parse_s3_url(source);
  if (!loc) return loc.error();
  if (loc->key.empty() || loc->key.ends_with('/'))
    return usage_error(fmt::format("'{}' names no object: give the full key, s3://BUCKET/KEY", printable(source)));
  XSHIP_TRY(validate_key(loc->key));

  auto cfg = make_client_config(conn);
  if (!cfg) return cfg.error();
  auto creds = cfg->credentials->get();
  if (!creds) return creds.error();
  const auto now = std::chrono::system_clock::now();
  auto url = presign_get(object_url(cfg->endpoint, loc->bucket, loc->key, cfg->addressing), *creds, now,
                         {cfg->region, "s3"}, *expires);
  if (!url) return url.error();
  warn_if_outlived(*creds, now + *expires);
  fmt::print("{}\n", url->url);
  return ok_status();
}

}  // namespace xship::cli
