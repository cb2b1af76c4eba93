// What both renderings of the release page share: escaping, links, grouping by target.
#include "release/page.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "core/terminal.h"
#include "cross/targets.h"
#include "s3/sigv4.h"

namespace xship::release {

namespace {
constexpr const char* kOtherFiles = "other files";

std::string group_title(const ManifestEntry& e) {
  if (e.artifact)
    return std::string(cross::os_name(e.artifact->target.os)) + "/" + cross::arch_name(e.artifact->target.arch);
  if (!e.os.empty() && !e.arch.empty()) return e.os + "/" + e.arch;
  return kOtherFiles;
}
}  // namespace

std::string relative_href(std::string_view name) { return sigv4::uri_encode(name, /*keep_slash=*/true); }

std::string html_escape(std::string_view text) {
  std::string out;
  for (char c : printable(text)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string markdown_escape(std::string_view text) {
  std::string out;
  for (char c : printable(text)) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else if (c != '\0' && std::strchr("\\`*_[]()|~!#", c))
      out += std::string("\\") + c;
    else
      out.push_back(c);
  }
  return out;
}

std::vector<PageGroup> page_groups(const PageInput& in) {
  std::map<std::string, std::vector<const PageFile*>> by_title;
  for (const auto& f : in.files) by_title[group_title(f.entry)].push_back(&f);
  std::vector<PageGroup> out;
  for (auto& [title, files] : by_title) {
    std::sort(files.begin(), files.end(), [](auto* a, auto* b) { return a->entry.name < b->entry.name; });
    out.push_back({title, std::move(files)});
  }
  std::stable_partition(out.begin(), out.end(), [](const PageGroup& g) { return g.title != kOtherFiles; });
  return out;
}

std::string page_requirements(const ManifestEntry& e) { return e.artifact ? cross::describe(e.artifact->needs) : ""; }

}  // namespace xship::release
