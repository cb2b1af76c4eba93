// Where release keys come from: --sign-key FILE or XSHIP_SIGNING_KEY (the key itself, for
// CI secrets), its password from XSHIP_SIGNING_PASSWORD; --verify-key FILE or the public
// key's base64 line. Neither the secret key nor its password ever reaches an error message.
#pragma once
#include <optional>
#include <string>

#include "core/result.h"
#include "digest/minisign.h"
#include "s3/credentials.h"

namespace xship::cli {

// nullopt when neither --sign-key nor XSHIP_SIGNING_KEY is set.
Result<std::optional<minisign::SecretKey>> load_signing_key(const std::string& path, const EnvLookup& env);

// --verify-key: a minisign public key file, or the key's base64 line (`minisign -P` style).
Result<minisign::PublicKey> load_verify_key(const std::string& value);

// A small text file (a key), refused when larger than 64 KiB. Usage error naming the path.
Result<std::string> read_key_file(const std::string& path, const char* flag);

}  // namespace xship::cli
