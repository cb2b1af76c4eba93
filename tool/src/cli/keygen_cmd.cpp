// `xship keygen`: a release signing key pair in minisign's own file formats, so one key
// serves xship publish --sign-key and minisign -S alike.
#include <fmt/format.h>

#include <cstdlib>

#include "cli/commands.h"
#include "cli/connection.h"
#include "compress/output.h"
#include "core/env.h"
#include "core/terminal.h"
#include "digest/minisign.h"
#include "digest/sign.h"

namespace xship::cli {

namespace {

// Written whole or not at all; never over an existing key unless `replace`.
Status write_key(const std::string& path, const std::string& text, bool replace, mode_t mode) {
  auto out = compress::AtomicOutput::create(path, replace, mode);
  if (!out) return out.error();
  XSHIP_TRY((*out)->write(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  return (*out)->commit(compress::AtomicOutput::Durability::Name);
}

}  // namespace

Status run_keygen(int argc, char** argv) {
  CLI::App app{"Make a release signing key pair in minisign's formats (minisign -G makes the same files).", "keygen"};
  app.footer(
      "The secret key is encrypted with the password in XSHIP_SIGNING_PASSWORD (minisign's scrypt), or\n"
      "stored unencrypted with --unencrypted (minisign -W). Publish with:\n"
      "  XSHIP_SIGNING_PASSWORD=... xship publish --sign-key minisign.key dist/\n"
      "or, in CI, put the secret key file's text in XSHIP_SIGNING_KEY. Downloaders check with\n"
      "  minisign -Vm SHA256SUMS -p minisign.pub   or   xship fetch --manifest URL DIR --verify-key minisign.pub");
  std::string secret_path = "minisign.key", public_path = "minisign.pub";
  bool unencrypted = false, force = false;
  app.add_option("-s,--secret-key", secret_path, "Where the secret key goes (mode 0600)")->capture_default_str();
  app.add_option("-p,--public-key", public_path, "Where the public key goes")->capture_default_str();
  app.add_flag("-W,--unencrypted", unencrypted, "Store the secret key without a password (minisign -W)");
  app.add_flag("--force", force, "Replace existing key files");
  auto parsed = parse_args(app, argc, argv);
  if (!parsed) return parsed.error();
  if (!*parsed) return ok_status();

  std::optional<std::string> password;
  auto pw = process_env()("XSHIP_SIGNING_PASSWORD");
  if (pw && !pw->empty() && !unencrypted) password = std::move(pw);
  if (!password && !unencrypted)
    return usage_error(
        "no password for the new secret key: set XSHIP_SIGNING_PASSWORD, or pass --unencrypted to store "
        "it without one");
  if (secret_path == public_path)
    return usage_error("--secret-key and --public-key name the same file: give two paths");
  auto key = minisign::generate_key();
  if (!key) return key.error();
  auto secret_text = minisign::secret_key_file(*key, password);
  if (password) digest::wipe(password->data(), password->size());
  if (!secret_text) return secret_text.error();
  Status st = write_key(secret_path, *secret_text, force, 0600);
  digest::wipe(secret_text->data(), secret_text->size());
  XSHIP_TRY(st);
  XSHIP_TRY(write_key(public_path, minisign::public_key_file(key->public_key()), force, 0644));
  fmt::print("key {}: secret key {} (mode 0600{}), public key {}\n", minisign::key_id_text(key->id),
             printable(secret_path), password ? ", encrypted" : ", NOT encrypted", printable(public_path));
  fmt::print("public key: {}\n", minisign::public_key_base64(key->public_key()));
  return ok_status();
}

}  // namespace xship::cli
