// index.md: the release page for whoever browses a bucket from a terminal.
#include <fmt/format.h>

#include "core/units.h"
#include "release/page.h"

namespace xship::release {

namespace {

// A link's target in <...>, which takes any character but '<', '>' and a line end; the
// href is percent-encoded (relative) or a URL, so none of them is in it.
std::string md_link(const std::string& href, const std::string& text) {
  return "[" + markdown_escape(text) + "](<" + href + ">)";
}

std::string md_header(const PageInput& in) {
  const auto& i = in.info;
  std::string title = i.repo.empty() ? "Release" : i.repo;
  std::string version = !i.version.empty() ? i.version : i.tag;
  if (!version.empty()) title += " " + version;
  std::string out = "# " + markdown_escape(title) + "\n\n";
  out += "- commit: " + markdown_escape(i.commit.empty() ? "unknown" : i.commit) + "\n";
  if (!i.tag.empty()) out += "- tag: " + markdown_escape(i.tag) + "\n";
  if (!i.branch.empty()) out += "- branch: " + markdown_escape(i.branch) + "\n";
  if (!i.date.empty()) out += "- published: " + markdown_escape(i.date) + "\n";
  if (!in.links_expire.empty())
    out += "\nThe links are presigned: they work without credentials until " + markdown_escape(in.links_expire) + ".\n";
  return out;
}

std::string md_groups(const PageInput& in) {
  std::string out;
  for (const auto& g : page_groups(in)) {
    out += "\n## " + markdown_escape(g.title) + "\n\n| File | Size | Requires | SHA-256 |\n|---|---|---|---|\n";
    for (const PageFile* f : g.files) {
      std::string needs = page_requirements(f->entry);
      out += fmt::format("| {} | {} | {} | {} |\n", md_link(f->href, f->entry.name),
                         markdown_escape(human_size(f->entry.size)), needs.empty() ? "-" : markdown_escape(needs),
                         markdown_escape(f->entry.sha256));
    }
  }
  if (in.files.empty()) out += "\nThis release has no files.\n";
  return out;
}

}  // namespace

std::string page_markdown(const PageInput& in) {
  std::string out = md_header(in) + md_groups(in) + "\n## Verify\n\n";
  for (const auto& d : in.documents) out += "- " + md_link(d.href, d.name) + "\n";
  out +=
      "\nDownload the files and SHA256SUMS into one directory, then:\n\n    sha256sum -c --ignore-missing SHA256SUMS\n";
  if (!in.key_id.empty())
    out +=
        "\nSigned with minisign key " + markdown_escape(in.key_id) +
        "; with SHA256SUMS.minisig beside it and the project's public key:\n\n    minisign -Vm SHA256SUMS -p KEY.pub\n";
  return out;
}

}  // namespace xship::release
