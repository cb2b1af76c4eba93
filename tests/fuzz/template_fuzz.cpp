// --to templates come from users and CI files: expansion either succeeds or is a usage
// error, and never leaves a placeholder half-expanded.
// Input: lines "TEMPLATE\nrepo\nbranch\ncommit\ntag\nversion\ndate\nos\narch" (missing = empty).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "release/template.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> f;
  for (std::size_t start = 0;;) {
    std::size_t nl = in.find('\n', start);
    f.emplace_back(in.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  f.resize(std::max<std::size_t>(f.size(), 9));
  xship::BuildInfo info;
  info.repo = f[1];
  info.branch = f[2];
  info.commit = f[3];
  info.tag = f[4];
  info.version = f[5];
  info.date = f[6];
  std::map<std::string, std::string> extra;
  if (!f[7].empty()) extra["os"] = f[7];
  if (!f[8].empty()) extra["arch"] = f[8];

  auto r = xship::expand_template(f[0], info, extra);
  if (!r) return 0;
  // Without '{' there is nothing to expand; with values free of '{' none may survive.
  if (f[0].find('{') == std::string::npos && *r != f[0]) std::abort();
  bool values_plain = true;
  for (std::size_t i = 1; i < 9; ++i) values_plain = values_plain && f[i].find('{') == std::string::npos;
  if (values_plain && r->find('{') != std::string::npos) std::abort();
  return 0;
}
