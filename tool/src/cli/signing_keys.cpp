#include "cli/signing_keys.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/unique_fd.h"
#include "core/terminal.h"
#include "digest/sign.h"

namespace xship::cli {

namespace {

constexpr std::size_t kMaxKeyFile = 64 * 1024;

// Wipes a secret held in a std::string when it goes.
struct WipedString {
  std::string s;
  ~WipedString() { digest::wipe(s.data(), s.size()); }
};

}  // namespace

Result<std::string> read_key_file(const std::string& path, const char* flag) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd)
    return usage_error(
        fmt::format("{} '{}': {}: give the path of a minisign key file", flag, printable(path), std::strerror(errno)));
  struct stat st {};
  std::string text;
  if (fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > static_cast<off_t>(kMaxKeyFile))
    return usage_error(
        fmt::format("{} '{}' is not a key file (not a regular file of at most 64 KiB)", flag, printable(path)));
  text.resize(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  while (got < text.size()) {
    ssize_t n = read(fd.get(), text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  text.resize(got);
  return text;
}

Result<std::optional<minisign::SecretKey>> load_signing_key(const std::string& path, const EnvLookup& env) {
  WipedString text;
  if (!path.empty()) {
    auto r = read_key_file(path, "--sign-key");
    if (!r) return r.error();
    text.s = std::move(*r);
  } else if (auto from_env = env("XSHIP_SIGNING_KEY"); from_env && !from_env->empty()) {
    text.s = std::move(*from_env);
    // A CI secret may hold the key file's base64 line alone.
    if (!text.s.starts_with("untrusted comment:")) text.s = "untrusted comment: XSHIP_SIGNING_KEY\n" + text.s;
  } else {
    return std::optional<minisign::SecretKey>{};
  }
  std::optional<std::string> password;
  if (auto pw = env("XSHIP_SIGNING_PASSWORD"); pw && !pw->empty()) password = std::move(*pw);
  auto key = minisign::parse_secret_key(text.s, password);
  if (password) digest::wipe(password->data(), password->size());
  if (!key) {
    const char* from = path.empty() ? "XSHIP_SIGNING_KEY" : "--sign-key";
    return Error{key.error().category, fmt::format("{}: {}", from, key.error().message)};
  }
  return std::optional<minisign::SecretKey>{std::move(*key)};
}

Result<minisign::PublicKey> load_verify_key(const std::string& value) {
  struct stat st {};
  if (stat(value.c_str(), &st) == 0) {
    auto text = read_key_file(value, "--verify-key");
    if (!text) return text.error();
    auto key = minisign::parse_public_key(*text);
    if (!key) return usage_error(fmt::format("--verify-key '{}': {}", printable(value), key.error().message));
    return key;
  }
  auto key = minisign::parse_public_key(value);
  if (!key)
    return usage_error(
        "--verify-key is neither a public key file nor a minisign public key (the base64 line of "
        "minisign.pub): check the path or the key");
  return key;
}

}  // namespace xship::cli
