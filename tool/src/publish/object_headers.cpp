#include "publish/object_headers.h"

#include <fmt/format.h>
#include <fnmatch.h>

#include <array>

#include "core/terminal.h"

namespace xship::publish {

namespace {

std::string_view base_name(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool ends_with_nocase(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  s = s.substr(s.size() - suffix.size());
  for (std::size_t i = 0; i < s.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != suffix[i]) return false;
  return true;
}

// Longer suffixes first. Python's mimetypes (the AWS CLI) says application/x-tar for
// .tar.gz, which browsers then show as a tarball that is not one; the compressed type is
// what the bytes are.
constexpr std::array<std::pair<std::string_view, std::string_view>, 18> kTypes{{
    {".tar.gz", "application/gzip"},
    {".tgz", "application/gzip"},
    {".gz", "application/gzip"},
    {".zst", "application/zstd"},
    {".zip", "application/zip"},
    {".tar", "application/x-tar"},
    {".json", "application/json"},
    {".txt", "text/plain; charset=utf-8"},
    {"sha256sums", "text/plain; charset=utf-8"},
    {".sig", "text/plain"},
    {".minisig", "text/plain"},
    {".asc", "text/plain"},
    {".html", "text/html; charset=utf-8"},
    {".htm", "text/html; charset=utf-8"},
    {".md", "text/markdown; charset=utf-8"},
    {".exe", "application/vnd.microsoft.portable-executable"},
    {".dll", "application/vnd.microsoft.portable-executable"},
    {".xz", "application/x-xz"},
}};

constexpr std::string_view kAttrChars = "!#$&+-.^_`|~";  // RFC 5987 attr-char besides ALPHA / DIGIT

std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) && c < 0x80)
      out += ch;
    else if (kAttrChars.find(ch) != std::string_view::npos)
      out += ch;
    else
      out += {'%', kHex[c >> 4], kHex[c & 0xF]};
  }
  return out;
}

}  // namespace

std::string default_content_type(std::string_view file_name) {
  for (const auto& [suffix, type] : kTypes)
    if (ends_with_nocase(base_name(file_name), suffix)) return std::string(type);
  return "application/octet-stream";
}

std::string content_type_for(const HeaderRules& rules, std::string_view file_name) {
  const std::string name(base_name(file_name));
  for (const auto& [glob, type] : rules.content_types)
    if (fnmatch(glob.c_str(), name.c_str(), 0) == 0) return type;
  return default_content_type(name);
}

bool is_download(std::string_view t) { return !t.starts_with("text/") && !t.starts_with("application/json"); }

Result<std::string> attachment_disposition(std::string_view file_name) {
  const std::string_view name = base_name(file_name);
  std::string fallback;
  bool ascii = true;
  for (std::size_t i = 0; i < name.size(); ++i) {
    auto c = static_cast<unsigned char>(name[i]);
    if (c < 0x20 || c == 0x7f)
      return usage_error(
          fmt::format("'{}' has a control character in its name, which no HTTP header can carry: "
                      "rename the file",
                      printable(file_name)));
    if (c >= 0x80) {
      ascii = false;
      if ((c & 0xC0) != 0x80) fallback += '_';  // one '_' per UTF-8 character, not per byte
      continue;
    }
    if (c == '"' || c == '\\') fallback += '\\';
    fallback += static_cast<char>(c);
  }
  std::string out = fmt::format("attachment; filename=\"{}\"", fallback);
  if (!ascii) out += "; filename*=UTF-8''" + percent_encode(name);
  return out;
}

Result<s3::ObjectHeaders> object_headers(const HeaderRules& rules, std::string_view relative,
                                         const std::optional<WholeSums>& sums, std::uint64_t part_size) {
  s3::ObjectHeaders h;
  h.content_type = content_type_for(rules, relative);
  if (is_download(h.content_type)) {
    auto disposition = attachment_disposition(relative);
    if (!disposition) return disposition.error();
    h.content_disposition = std::move(*disposition);
  }
  h.cache_control = rules.cache_control;
  h.storage_class = rules.storage_class;
  h.acl = rules.acl;
  // The whole-file sums travel with the object, so it can be verified later whatever
  // its ETag looks like (multipart, SSE-KMS).
  if (sums)
    h.metadata = {{"md5", sums->md5hex}, {"sha256", sums->sha256hex}};
  else if (part_size)
    h.metadata = {{"part-size", std::to_string(part_size)}};
  h.metadata.insert(h.metadata.end(), rules.metadata.begin(), rules.metadata.end());
  h.tags = rules.tags;
  return h;
}

}  // namespace xship::publish
