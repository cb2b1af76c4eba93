#include "publish/header_rules.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>

#include "core/terminal.h"

namespace xship::publish {

namespace {

constexpr std::size_t kMaxTags = 10, kMaxTagKey = 128, kMaxTagValue = 256;
constexpr std::size_t kMaxMetadataBytes = 2048;  // S3: user metadata, names and values together

bool printable_ascii(std::string_view v) {
  return std::all_of(v.begin(), v.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

// A header value S3 stores as given: printable ASCII, nothing HTTP would trim.
Status check_value(std::string_view flag, std::string_view v) {
  if (v.empty() || !printable_ascii(v) || v.front() == ' ' || v.back() == ' ')
    return usage_error(fmt::format("{} '{}' is not a header value: use printable ASCII with no spaces at either end",
                                   flag, printable(v)));
  return ok_status();
}

bool token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$&^_.+-").find(c) != std::string_view::npos;
}

bool is_media_type(std::string_view t) {
  auto semi = t.find(';');
  std::string_view main = t.substr(0, semi);
  while (!main.empty() && main.back() == ' ') main.remove_suffix(1);
  auto slash = main.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == main.size()) return false;
  return std::all_of(main.begin(), main.end(), [](char c) { return c == '/' || token_char(c); }) &&
         std::count(main.begin(), main.end(), '/') == 1;
}

// "A=B" split at the first '='; the error names the flag and the form it wants.
Result<std::pair<std::string, std::string>> split_pair(std::string_view flag, std::string_view form,
                                                       std::string_view v) {
  auto eq = v.find('=');
  if (eq == std::string_view::npos || eq == 0)
    return usage_error(fmt::format("{} '{}' is not {}: write it as {}", flag, printable(v), form, form));
  return std::pair{std::string(v.substr(0, eq)), std::string(v.substr(eq + 1))};
}

Status parse_content_types(const HeaderFlags& f, HeaderRules& out) {
  for (const auto& text : f.content_types) {
    auto kv = split_pair("--content-type", "PATTERN=TYPE", text);
    if (!kv) return kv.error();
    XSHIP_TRY(check_value("--content-type", kv->second));
    if (!is_media_type(kv->second))
      return usage_error(
          fmt::format("--content-type '{}': '{}' is not a media type: write TYPE/SUBTYPE, e.g. "
                      "'*.deb=application/vnd.debian.binary-package'",
                      printable(text), kv->second));
    out.content_types.push_back(std::move(*kv));
  }
  return ok_status();
}

bool tag_char(unsigned char c) {
  return c >= 0x80 || std::isalnum(c) ||
         std::string_view(" +-=._:/@").find(static_cast<char>(c)) != std::string_view::npos;
}

std::size_t utf8_length(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

Status parse_tags(const HeaderFlags& f, HeaderRules& out) {
  if (f.tags.size() > kMaxTags)
    return usage_error(
        fmt::format("{} --tag flags, but S3 keeps at most {} tags per object: drop some", f.tags.size(), kMaxTags));
  std::set<std::string> seen;
  for (const auto& text : f.tags) {
    auto kv = split_pair("--tag", "KEY=VALUE", text);
    if (!kv) return kv.error();
    auto& [key, value] = *kv;
    const bool chars_ok =
        std::all_of(text.begin(), text.end(), [](char c) { return tag_char(static_cast<unsigned char>(c)); });
    if (!chars_ok || utf8_length(key) > kMaxTagKey || utf8_length(value) > kMaxTagValue)
      return usage_error(
          fmt::format("--tag '{}': S3 takes keys of up to 128 and values of up to 256 letters, digits, "
                      "spaces and + - = . _ : / @; change the tag",
                      printable(text)));
    if (key.starts_with("aws:"))
      return usage_error(
          fmt::format("--tag '{}': keys starting with aws: are AWS's own; choose another key", printable(text)));
    if (!seen.insert(key).second)
      return usage_error(
          fmt::format("--tag {} is given twice: an object holds one value per key; keep one", printable(key)));
    out.tags.push_back({key, value});
  }
  return ok_status();
}

Status parse_metadata(const HeaderFlags& f, HeaderRules& out) {
  std::size_t bytes = 3 + 32 + 6 + 64;  // md5 and sha256, which publish stores on every object
  std::set<std::string> seen = {"md5", "sha256", "part-size"};
  for (const auto& text : f.metadata) {
    auto kv = split_pair("--metadata", "NAME=VALUE", text);
    if (!kv) return kv.error();
    std::string name = kv->first;
    std::transform(name.begin(), name.end(), name.begin(), [](char c) { return static_cast<char>(std::tolower(c)); });
    if (!std::all_of(name.begin(), name.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; }))
      return usage_error(
          fmt::format("--metadata '{}': the name may hold only letters, digits, '-' and '_' (it becomes "
                      "the header x-amz-meta-NAME); rename it",
                      printable(text)));
    if (!seen.insert(name).second)
      return usage_error(fmt::format("--metadata {} is {}: use another name", name,
                                     name == "md5" || name == "sha256" || name == "part-size"
                                         ? "where publish stores the file's sum"
                                         : "given twice"));
    XSHIP_TRY(check_value("--metadata " + name, kv->second));
    bytes += name.size() + kv->second.size();
    out.metadata.push_back({name, kv->second});
  }
  if (bytes > kMaxMetadataBytes)
    return usage_error(
        fmt::format("--metadata adds up to {} bytes with the sums publish stores, over S3's 2 KiB: "
                    "shorten or drop some",
                    bytes));
  return ok_status();
}

}  // namespace

const std::vector<std::string>& storage_classes() {
  static const std::vector<std::string> kClasses = {
      "STANDARD",     "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER",
      "DEEP_ARCHIVE", "OUTPOSTS",           "GLACIER_IR",  "SNOW",       "EXPRESS_ONEZONE"};
  return kClasses;
}

Result<HeaderRules> parse_header_rules(const HeaderFlags& f) {
  HeaderRules out;
  XSHIP_TRY(parse_content_types(f, out));
  if (!f.cache_control.empty()) XSHIP_TRY(check_value("--cache-control", f.cache_control));
  out.cache_control = f.cache_control;
  const auto& classes = storage_classes();
  if (!f.storage_class.empty() && std::find(classes.begin(), classes.end(), f.storage_class) == classes.end())
    return usage_error(fmt::format("--storage-class '{}' is not one of S3's: use one of {}", printable(f.storage_class),
                                   fmt::join(classes, ", ")));
  out.storage_class = f.storage_class;
  if (!f.acl.empty() && f.acl != "public-read" && f.acl != "private")
    return usage_error(fmt::format("--acl '{}' is not supported: use public-read or private", printable(f.acl)));
  out.acl = f.acl;
  XSHIP_TRY(parse_tags(f, out));
  XSHIP_TRY(parse_metadata(f, out));
  return out;
}

}  // namespace xship::publish
