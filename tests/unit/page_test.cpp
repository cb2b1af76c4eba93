// The release page: hostile text from the manifest stays text, links stay links, and the
// page's structure (a table per target, the verify steps) is there.
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "manifest_fixtures.h"
#include "release/page.h"

using namespace xship;
using namespace xship::release;

namespace {

PageInput sample() {
  PageInput in;
  in.info = test::info();
  auto linux_tgz = test::entry("widget_1.2.3_linux_amd64.tar.gz", "tgz");
  cross::ArtifactInfo a;
  a.target = {cross::Os::Linux, cross::Arch::Amd64};
  a.kind = cross::ArtifactKind::Archive;
  a.format = "tar.gz";
  a.needs.dynamic = true;
  a.needs.glibc = "2.34";
  linux_tgz.artifact = a;
  auto win = test::entry("widget_1.2.3_windows_amd64.zip", "zip");
  a.target = {cross::Os::Windows, cross::Arch::Amd64};
  a.needs = {};
  a.needs.dlls = {"KERNEL32.dll", "msvcrt.dll"};
  win.artifact = a;
  auto notes = test::entry("NOTES.txt", "n");
  for (const auto& e : {win, notes, linux_tgz}) in.files.push_back({e, relative_href(e.name)});
  in.documents = {{"SHA256SUMS", "SHA256SUMS"}, {"manifest.json", "manifest.json"}};
  return in;
}

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

}  // namespace

TEST(PageEscape, HostileTextBecomesText) {
  EXPECT_EQ(html_escape("<script>alert('x')</script>"), "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
  EXPECT_EQ(html_escape("a\"b&c"), "a&quot;b&amp;c");
  EXPECT_EQ(html_escape("bell\x07"
                        "esc\x1b[2J\n"),
            "bell\\x07esc\\x1b[2J\\n");
  EXPECT_EQ(html_escape("ünïcödé"), "ünïcödé");
  EXPECT_EQ(markdown_escape("[x](javascript:1) *b* <img>|`c`"),
            "\\[x\\]\\(javascript:1\\) \\*b\\* &lt;img&gt;\\|\\`c\\`");
  EXPECT_EQ(markdown_escape("line\nbreak"), "line\\\\nbreak");
}

TEST(PageEscape, RelativeLinksCannotReadAsSchemesOrQueries) {
  EXPECT_EQ(relative_href("javascript:alert(1)"), "javascript%3Aalert%281%29");
  EXPECT_EQ(relative_href("dir/a b?c#d.zip"), "dir/a%20b%3Fc%23d.zip");
  EXPECT_EQ(relative_href("\"onmouseover=x"), "%22onmouseover%3Dx");
}

TEST(PageHtml, HostileNamesAndBuildInfoAreEscapedEverywhere) {
  PageInput in = sample();
  in.info.repo = "<script>alert(1)</script>";
  in.info.branch = "x\"><img src=x onerror=alert(1)>";
  in.info.version = "1.0\x1b]0;pwned\x07";
  auto evil = test::entry("<script>alert(2)</script>'\".exe", "e");
  in.files.push_back({evil, relative_href(evil.name)});
  in.files.push_back({test::entry("p.bin", "p"), "https://s3.example.com/b/p.bin?X-Amz-A=1&X-Amz-Signature=ab\"<"});
  const std::string html = page_html(in);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find('\x1b'), std::string::npos);
  EXPECT_EQ(html.find('\x07'), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("href=\"%3Cscript%3Ealert%282%29%3C/script%3E%27%22.exe\""), std::string::npos);
  // A URL's '&' is a character reference inside the attribute, and a quote cannot end it.
  EXPECT_NE(html.find("href=\"https://s3.example.com/b/p.bin?X-Amz-A=1&amp;X-Amz-Signature=ab&quot;&lt;\""),
            std::string::npos);
  // Every attribute value is quoted and every quote inside is a reference: the number of
  // '"' is even and each href's value holds no raw '<', '>' or whitespace.
  EXPECT_EQ(count(html, "\"") % 2, 0u);
  std::regex href("href=\"([^\"]*)\"");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), href); it != std::sregex_iterator(); ++it)
    EXPECT_TRUE(std::regex_match((*it)[1].str(), std::regex("[^<>\\s]+"))) << (*it)[1];
}

TEST(PageHtml, StructureTablesPerTargetAndTheVerifySteps) {
  const std::string html = page_html(sample());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\""),
            std::string::npos);
  EXPECT_NE(html.find("<meta name=\"referrer\" content=\"no-referrer\">"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos) << "nothing loaded";
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos) << "no CSS fetch";
  EXPECT_NE(html.find("<title>acme/widget 1.2.3</title>"), std::string::npos);
  EXPECT_NE(html.find("commit <code>0123456789abcdef0123456789abcdef01234567</code>"), std::string::npos);
  EXPECT_NE(html.find("published 2024-02-29"), std::string::npos);
  // Targets in order, other files last, one table each.
  auto lin = html.find("<h2>linux/amd64</h2>"), win = html.find("<h2>windows/amd64</h2>"),
       other = html.find("<h2>other files</h2>"), verify = html.find("<h2>Verify</h2>");
  ASSERT_NE(lin, std::string::npos);
  EXPECT_TRUE(lin < win && win < other && other < verify);
  EXPECT_EQ(count(html, "<table>"), 3u);
  EXPECT_EQ(count(html, "<tr><td>"), 3u);
  EXPECT_NE(html.find("<td>glibc 2.34</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>KERNEL32.dll, msvcrt.dll</td>"), std::string::npos);
  EXPECT_NE(html.find("<a href=\"widget_1.2.3_linux_amd64.tar.gz\">widget_1.2.3_linux_amd64.tar.gz</a>"),
            std::string::npos);
  EXPECT_NE(html.find("<code>" + test::entry("NOTES.txt", "n").sha256 + "</code>"), std::string::npos);
  EXPECT_NE(html.find("3 B <span class=\"bytes\">(3 bytes)</span>"), std::string::npos);
  EXPECT_NE(html.find("sha256sum -c --ignore-missing SHA256SUMS"), std::string::npos);
  EXPECT_EQ(html.find("minisign"), std::string::npos) << "unsigned: no signature step";
  EXPECT_EQ(html.find("presigned"), std::string::npos);
  EXPECT_EQ(count(html, "<section>"), count(html, "</section>"));
}

TEST(PageHtml, SignedAndPresignedSaySo) {
  PageInput in = sample();
  in.key_id = "D0B3AC9C6C0A1B2E";
  in.links_expire = "2024-03-07T12:00:00Z";
  const std::string html = page_html(in);
  EXPECT_NE(html.find("minisign key <code>D0B3AC9C6C0A1B2E</code>"), std::string::npos);
  EXPECT_NE(html.find("minisign -Vm SHA256SUMS -p KEY.pub"), std::string::npos);
  EXPECT_NE(html.find("until 2024-03-07T12:00:00Z"), std::string::npos);
}

TEST(PageMarkdown, StructureAndEscaping) {
  PageInput in = sample();
  auto evil = test::entry("a](javascript:x)|b.txt", "e");
  in.files.push_back({evil, relative_href(evil.name)});
  const std::string md = page_markdown(in);
  EXPECT_EQ(md.rfind("# acme/widget 1.2.3\n", 0), 0u);
  EXPECT_NE(
      md.find("\n## linux/amd64\n\n| File | Size | Requires | SHA-256 |\n|---|---|---|---|\n"
              "| [widget\\_1.2.3\\_linux\\_amd64.tar.gz](<widget_1.2.3_linux_amd64.tar.gz>) | 3 B | glibc 2.34 |"),
      std::string::npos)
      << md;
  EXPECT_NE(md.find("[a\\]\\(javascript:x\\)\\|b.txt](<a%5D%28javascript%3Ax%29%7Cb.txt>)"), std::string::npos) << md;
  EXPECT_NE(md.find("    sha256sum -c --ignore-missing SHA256SUMS\n"), std::string::npos);
  EXPECT_NE(md.find("- [manifest.json](<manifest.json>)\n"), std::string::npos);
  EXPECT_EQ(md.find("<script"), std::string::npos);
}

TEST(PageGroups, ByTargetFromArtifactOrOsArchOtherLast) {
  PageInput in;
  in.files.push_back({test::entry("z.bin", "z"), "z.bin"});
  in.files.push_back({test::entry("b.arm", "b", "linux", "arm64"), "b.arm"});
  in.files.push_back({test::entry("a.arm", "a", "linux", "arm64"), "a.arm"});
  auto g = page_groups(in);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0].title, "linux/arm64");
  ASSERT_EQ(g[0].files.size(), 2u);
  EXPECT_EQ(g[0].files[0]->entry.name, "a.arm");
  EXPECT_EQ(g[1].title, "other files");
  EXPECT_EQ(page_requirements(in.files[0].entry), "");
}
