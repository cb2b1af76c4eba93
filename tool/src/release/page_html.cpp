// index.html: one static page. Inline CSS only; a Content-Security-Policy that forbids
// every fetch (so even a mistake here cannot load a thing), and no Referer on the links
// (a presigned page URL must not travel to wherever a link leads).
#include <fmt/format.h>

#include "core/units.h"
#include "release/page.h"

namespace xship::release {

namespace {

constexpr const char* kStyle =
    "body{font:15px/1.5 system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}"
    "h1{font-size:1.6rem;margin:0 0 .3rem}h2{font-size:1.2rem;margin:2rem 0 .5rem}"
    ".meta{color:#57606a;margin:0}.note{background:#fff8c5;padding:.5rem .8rem;border-radius:6px}"
    "table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35rem .6rem;"
    "border-bottom:1px solid #d0d7de;vertical-align:top}th{background:#f6f8fa}"
    "code,pre{font:13px ui-monospace,monospace}td code{word-break:break-all}"
    "pre{background:#f6f8fa;padding:.7rem;border-radius:6px;overflow-x:auto}"
    ".bytes{color:#57606a;font-size:.85em}";

std::string a(const std::string& href, const std::string& text) {
  return fmt::format("<a href=\"{}\">{}</a>", html_escape(href), html_escape(text));
}

std::string title_of(const BuildInfo& info) {
  std::string repo = info.repo.empty() ? "Release" : info.repo;
  std::string version = !info.version.empty() ? info.version : info.tag;
  return version.empty() ? repo : repo + " " + version;
}

std::string header(const PageInput& in) {
  const auto& i = in.info;
  std::string meta = "commit <code>" + html_escape(i.commit.empty() ? "unknown" : i.commit) + "</code>";
  if (!i.tag.empty()) meta += " &middot; tag <code>" + html_escape(i.tag) + "</code>";
  if (!i.branch.empty()) meta += " &middot; branch <code>" + html_escape(i.branch) + "</code>";
  if (!i.date.empty()) meta += " &middot; published " + html_escape(i.date);
  std::string out = "<header><h1>" + html_escape(title_of(i)) + "</h1><p class=\"meta\">" + meta + "</p></header>\n";
  if (!in.links_expire.empty())
    out += "<p class=\"note\">The links on this page are presigned: they work without credentials until " +
           html_escape(in.links_expire) + ", then no longer.</p>\n";
  return out;
}

std::string file_row(const PageFile& f) {
  const auto& e = f.entry;
  std::string needs = page_requirements(e);
  return fmt::format(
      "<tr><td>{}</td><td>{} <span class=\"bytes\">({} bytes)</span></td><td>{}</td><td><code>{}</code></td></tr>\n",
      a(f.href, e.name), html_escape(human_size(e.size)), e.size, needs.empty() ? "&ndash;" : html_escape(needs),
      html_escape(e.sha256));
}

std::string groups(const PageInput& in) {
  std::string out;
  for (const auto& g : page_groups(in)) {
    out += "<section><h2>" + html_escape(g.title) +
           "</h2>\n<table><thead><tr><th>File</th><th>Size</th>"
           "<th>Requires</th><th>SHA-256</th></tr></thead><tbody>\n";
    for (const PageFile* f : g.files) out += file_row(*f);
    out += "</tbody></table></section>\n";
  }
  if (in.files.empty()) out += "<p>This release has no files.</p>\n";
  return out;
}

std::string verify(const PageInput& in) {
  std::string out = "<section><h2>Verify</h2>\n";
  if (!in.documents.empty()) {
    out += "<p>Release documents:";
    for (const auto& d : in.documents) out += " " + a(d.href, d.name);
    out += "</p>\n";
  }
  out +=
      "<p>Download the files and <code>SHA256SUMS</code> into one directory, then:</p>\n"
      "<pre>sha256sum -c --ignore-missing SHA256SUMS</pre>\n";
  if (!in.key_id.empty())
    out += "<p>The release is signed with minisign key <code>" + html_escape(in.key_id) +
           "</code>. With <code>SHA256SUMS.minisig</code> beside it and the project's public key:</p>\n"
           "<pre>minisign -Vm SHA256SUMS -p KEY.pub</pre>\n";
  return out + "</section>\n";
}

}  // namespace

std::string page_html(const PageInput& in) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
         "<meta name=\"referrer\" content=\"no-referrer\">\n"
         "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
         "<title>" +
         html_escape(title_of(in.info)) + "</title>\n<style>" + kStyle + "</style></head>\n<body>\n" + header(in) +
         groups(in) + verify(in) + "</body></html>\n";
}

}  // namespace xship::release
