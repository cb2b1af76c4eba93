#include "s3/paging.h"

#include <fmt/format.h>

#include "digest/digest.h"

namespace xship::s3 {

namespace {
std::string describe(const Query& q) {
  std::string s;
  for (const auto& [name, value] : q) s += fmt::format("{}{} '{}'", s.empty() ? "" : ", ", name, value.substr(0, 200));
  return s;
}
}  // namespace

Status PageGuard::check(std::size_t items, const Query& next) {
  ++pages_;
  if (next.empty()) return ok_status();
  if (items == 0)
    return runtime_error(
        fmt::format("{}: page {} says more follow but holds no entries, so the listing makes no "
                    "progress: the store is misbehaving; report it to its operator",
                    what_, pages_));
  std::string all;
  for (const auto& [name, value] : next) all += name + '\0' + value + '\0';
  if (!seen_.insert(digest::sha256_hex(all)).second)
    return runtime_error(
        fmt::format("{}: the store repeated {} on page {}, which would list the same page forever: "
                    "it is misbehaving; report it to its operator",
                    what_, describe(next), pages_));
  return ok_status();
}

}  // namespace xship::s3
