#include "release/signing.h"

#include <fmt/format.h>

#include "digest/digest.h"

namespace xship::release {

namespace {

// A build fact as it goes into a trusted comment: no tab (the field separator) and no
// control character (the comment is one printable line), at most 256 bytes.
std::string comment_field(std::string_view s) {
  std::string out(s.substr(0, 256));
  for (auto& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return out;
}

// A trusted comment's "file:NAME" field, if it has one (minisign -S writes one too).
std::string_view file_field(std::string_view comment) {
  while (!comment.empty()) {
    auto tab = comment.find('\t');
    std::string_view field = comment.substr(0, tab);
    if (field.starts_with("file:")) return field.substr(5);
    comment = tab == std::string_view::npos ? std::string_view() : comment.substr(tab + 1);
  }
  return {};
}

Status check_signature(const minisign::PublicKey& key, std::string_view name, std::string_view bytes,
                       std::string_view signature) {
  auto trusted = minisign::verify(key, bytes, signature);
  if (!trusted) return integrity_error(fmt::format("{}{}: {}", name, kSignatureSuffix, trusted.error().message));
  std::string_view signed_name = file_field(*trusted);
  if (!signed_name.empty() && signed_name != name)
    return integrity_error(fmt::format("{}{} is the signature of another file ('{}'): the release was tampered with",
                                       name, kSignatureSuffix, comment_field(signed_name)));
  return ok_status();
}

}  // namespace

bool is_release_document_name(std::string_view relative) {
  if (relative == kProvenanceName) return true;
  for (std::string_view doc : {kSumsName, kManifestName})
    if (relative == doc || (relative.starts_with(doc) && relative.substr(doc.size()) == kSignatureSuffix)) return true;
  return false;
}

std::string trusted_comment(std::string_view file, const BuildInfo& info) {
  std::string out = fmt::format("file:{}", comment_field(file));
  const std::pair<const char*, const std::string*> facts[] = {
      {"repo", &info.repo}, {"commit", &info.commit}, {"version", &info.version}};
  for (const auto& [name, value] : facts)
    if (!value->empty()) out += fmt::format("\t{}:{}", name, comment_field(*value));
  return out;
}

Result<std::vector<ReleaseDocument>> release_documents(const std::vector<ManifestEntry>& entries, const BuildInfo& info,
                                                       const minisign::SecretKey* key, const ProvenanceFacts* facts) {
  std::vector<ReleaseDocument> docs;
  docs.push_back({kSumsName, sha256sums(entries)});
  std::string manifest = manifest_json(entries, info);
  if (key) {
    for (const auto& [name, bytes] : {std::pair<std::string, const std::string*>{kSumsName, &docs[0].bytes},
                                      std::pair<std::string, const std::string*>{kManifestName, &manifest}}) {
      auto sig = minisign::sign(*key, *bytes, trusted_comment(name, info), "signature from xship secret key");
      if (!sig) return sig.error();
      docs.push_back({name + kSignatureSuffix, std::move(*sig)});
      if (facts && name == kSumsName)
        docs.push_back({kProvenanceName, dsse_envelope(provenance_statement(entries, info, *facts), *key)});
    }
  }
  docs.push_back({kManifestName, std::move(manifest)});
  return docs;
}

Result<ManifestDoc> verify_release(const minisign::PublicKey& key, const FetchedRelease& release) {
  XSHIP_TRY(check_signature(key, kSumsName, release.sums, release.sums_signature));
  XSHIP_TRY(check_signature(key, kManifestName, release.manifest, release.manifest_signature));
  auto doc = parse_manifest_doc(release.manifest);
  if (!doc) return doc.error();
  if (doc->sha256sums != digest::sha256_hex(release.sums))
    return integrity_error(
        fmt::format("{} belongs to another {} than the one beside it: the two come from different "
                    "releases; publish the release again",
                    kManifestName, kSumsName));
  if (release.sums != sha256sums(doc->files))
    return integrity_error(fmt::format("{} does not list exactly the files and sums of {}: the release is inconsistent",
                                       kSumsName, kManifestName));
  return doc;
}

}  // namespace xship::release
