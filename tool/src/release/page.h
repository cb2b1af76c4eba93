// The release page: index.html (one static page, inline CSS, no script, nothing loaded
// from elsewhere) and index.md (for a terminal), written beside manifest.json. Pure: the
// caller decides where each link points (a path relative to the page, or a presigned URL)
// and every text from the manifest is escaped here.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "release/manifest.h"
#include "release/template.h"

namespace xship::release {

inline constexpr const char* kPageName = "index.html";
inline constexpr const char* kPageMarkdownName = "index.md";

struct PageLink {
  std::string name;  // as shown
  std::string href;  // as linked: relative_href(name) or an absolute (presigned) URL
};

struct PageFile {
  ManifestEntry entry;
  std::string href;
};

struct PageInput {
  BuildInfo info;  // repo, commit, tag, version, date
  std::vector<PageFile> files;  // any order: grouped by target, sorted by name
  std::vector<PageLink> documents;  // SHA256SUMS, signatures, provenance, manifest.json
  std::string key_id;  // the minisign key ID when the release is signed, else ""
  std::string links_expire;  // presigned links: when they stop working (ISO 8601), else ""
};

// A link from the page to an object beside it: each segment percent-encoded once (so a
// name with ':' or '?' can never read as a scheme or a query).
std::string relative_href(std::string_view name);

// Text for HTML: printable() first (control characters, bidi overrides and bad UTF-8 shown
// as escapes), then & < > " ' as character references; safe in text and quoted attributes.
std::string html_escape(std::string_view text);
// Text for Markdown: printable(), then every ASCII punctuation character Markdown could
// read as markup backslash-escaped, and '<' '>' as references (no raw HTML gets through).
std::string markdown_escape(std::string_view text);

// One target's files: "linux/amd64", or "other files" for what is not a target's.
struct PageGroup {
  std::string title;
  std::vector<const PageFile*> files;  // sorted by name
};
// Targets sorted by title, "other files" last.
std::vector<PageGroup> page_groups(const PageInput& in);
// "glibc 2.34, KERNEL32.dll" / "static" / "" (not known).
std::string page_requirements(const ManifestEntry& e);

std::string page_html(const PageInput& in);
std::string page_markdown(const PageInput& in);

}  // namespace xship::release
