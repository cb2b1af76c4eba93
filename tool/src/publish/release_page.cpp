#include "publish/release_page.h"

#include <fmt/format.h>

#include "s3/credential_json.h"
#include "release/page.h"

namespace xship::publish {

namespace {

// Relative links work wherever the page is served from (the store, a CDN, a copy).
std::string page_href(const Links& links, const S3Location& dest, const std::string& name) {
  return links.presigning() ? links.presigned({dest.bucket, join_key(dest.key, name)}) : release::relative_href(name);
}

// A file of the user's named like the page keeps its name: the page is not written.
bool page_name_taken(const std::vector<release::ManifestEntry>& entries) {
  for (const auto& e : entries)
    if (e.name == release::kPageName || e.name == release::kPageMarkdownName) return true;
  return false;
}

}  // namespace

std::vector<release::ReleaseDocument> release_page(const Links& links, const S3Location& dest,
                                                   const PageRelease& release) {
  if (page_name_taken(release.entries)) {
    fmt::print(stderr, "xship: note: no release page: a published file is named {} or {} (--no-page silences this)\n",
               release::kPageName, release::kPageMarkdownName);
    return {};
  }
  release::PageInput in;
  in.info = release.info;
  for (const auto& e : release.entries) in.files.push_back({e, page_href(links, dest, e.name)});
  for (const auto& doc : release.documents) in.documents.push_back({doc.name, page_href(links, dest, doc.name)});
  in.key_id = release.key_id;
  if (links.presigning()) in.links_expire = format_iso8601(links.expires_at());
  return {{release::kPageName, release::page_html(in)}, {release::kPageMarkdownName, release::page_markdown(in)}};
}

std::string page_link(const Links& links, const S3Location& dest) {
  const s3::ObjectRef page{dest.bucket, join_key(dest.key, release::kPageName)};
  return links.presigning() ? links.presigned(page) : links.url(page);
}

}  // namespace xship::publish
