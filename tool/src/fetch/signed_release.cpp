#include "fetch/signed_release.h"

#include <fmt/format.h>

#include "fetch/fetch.h"
#include "release/provenance.h"
#include "release/signing.h"
#include "s3/verified_get.h"

namespace xship::fetch {

namespace {

// A file a signed release must have: its absence is as bad as a wrong signature (exit 3),
// since whoever can replace files can also delete one.
Result<std::string> fetch_required(s3::Client& client, const std::string& bucket, const std::string& key,
                                   bool etag_check) {
  auto head = client.head({bucket, key});
  if (!head) return head.error();
  if (!head->exists)
    return integrity_error(
        fmt::format("s3://{}/{} is missing: the release is not signed (publish it with --sign-key) "
                    "or its signature was removed",
                    bucket, key));
  return s3::get_small_object(client, bucket, key, etag_check);
}

// The signed provenance, when the release has one (a release signed by hand with
// minisign -S has none): by the same key, vouching for exactly the manifest's files.
Result<std::optional<std::string>> check_provenance(s3::Client& client, const std::string& bucket,
                                                    const std::string& key, const minisign::PublicKey& pub,
                                                    const std::vector<release::ManifestEntry>& files, bool etag_check) {
  auto head = client.head({bucket, key});
  if (!head) return head.error();
  if (!head->exists) return std::optional<std::string>{};
  auto envelope = s3::get_small_object(client, bucket, key, etag_check);
  if (!envelope) return envelope.error();
  auto statement = release::dsse_open(*envelope, pub);
  if (!statement) return statement.error();
  XSHIP_TRY(release::check_subjects(*statement, files));
  return std::optional<std::string>{std::move(*statement)};
}

}  // namespace

std::string sibling_key(const std::string& key, const std::string& name) {
  auto slash = key.rfind('/');
  return (slash == std::string::npos ? "" : key.substr(0, slash + 1)) + name;
}

Result<ReleaseTop> fetch_release_top(s3::Client& client, const S3Location& manifest, const minisign::PublicKey* key,
                                     bool etag_check) {
  auto text = s3::get_small_object(client, manifest.bucket, manifest.key, etag_check);
  if (!text) return text.error();
  if (!key) {
    auto doc = release::parse_manifest_doc(*text);
    if (!doc) return doc.error();
    return ReleaseTop{std::move(*doc), std::nullopt, std::nullopt};
  }
  release::FetchedRelease got;
  got.manifest = std::move(*text);
  const std::string sig = release::kSignatureSuffix;
  auto manifest_sig = fetch_required(client, manifest.bucket, manifest.key + sig, etag_check);
  if (!manifest_sig) return manifest_sig.error();
  got.manifest_signature = std::move(*manifest_sig);
  const std::string sums_key = sibling_key(manifest.key, release::kSumsName);
  auto sums = fetch_required(client, manifest.bucket, sums_key, etag_check);
  if (!sums) return sums.error();
  got.sums = std::move(*sums);
  auto sums_sig = fetch_required(client, manifest.bucket, sums_key + sig, etag_check);
  if (!sums_sig) return sums_sig.error();
  got.sums_signature = std::move(*sums_sig);
  auto doc = release::verify_release(*key, got);
  if (!doc) return doc.error();
  auto provenance = check_provenance(client, manifest.bucket, sibling_key(manifest.key, release::kProvenanceName), *key,
                                     doc->files, etag_check);
  if (!provenance) return provenance.error();
  return ReleaseTop{std::move(*doc), std::move(got.sums), std::move(*provenance)};
}

}  // namespace xship::fetch
