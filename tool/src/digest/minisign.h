// minisign's key and signature files, read and written in-process (never by running
// minisign), so that a key made by `minisign -G` signs releases and `minisign -Vm` checks
// what xship signs. Pure: text in, text out.
//
//   public key   "untrusted comment: minisign public key ID\n" + base64("Ed" keynum[8] pk[32])
//   secret key   "untrusted comment: ...\n" + base64("Ed" kdf[2] "B2" salt[32] ops[8] mem[8]
//                keynum[8] seed[32] pk[32] chk[32]); kdf "Sc": the last 104 bytes are XORed
//                with scrypt(password, salt) and chk = BLAKE2b-256("Ed" keynum seed pk);
//                kdf "\0\0" (minisign -W): stored as they are
//   signature    "untrusted comment: ...\n" + base64("ED" keynum sig[64]) + "\n"
//                "trusted comment: TEXT\n" + base64(global_sig[64]) + "\n", where sig signs
//                BLAKE2b-512(message) and global_sig signs sig || TEXT
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "digest/sign.h"

namespace xship::minisign {

using KeyId = std::array<std::uint8_t, 8>;

struct PublicKey {
  KeyId id{};
  digest::ed25519::PublicKey key{};
  bool operator==(const PublicKey&) const = default;
};

// "904508985BD2A15B": the id as minisign prints it (the 8 bytes as a little-endian number).
std::string key_id_text(const KeyId& id);

// A key pair; the seed is wiped when the object goes.
struct SecretKey {
  KeyId id{};
  digest::ed25519::Seed seed{};
  SecretKey() = default;
  SecretKey(const SecretKey&) = default;
  SecretKey& operator=(const SecretKey&) = default;
  ~SecretKey() { digest::wipe(seed.data(), seed.size()); }
  PublicKey public_key() const;
};

Result<SecretKey> generate_key();

// The public key file's text (as `minisign -G` writes it) or its base64 line alone (the
// string `minisign -P` takes). Usage error, without echoing the input, otherwise.
Result<PublicKey> parse_public_key(std::string_view text);
std::string public_key_base64(const PublicKey& key);
std::string public_key_file(const PublicKey& key);

// libsodium's scrypt work limits as the key file stores them. The defaults are minisign's
// own (scrypt N = 2^20, r = 8, p = 1: 1 GiB and about a second per use).
struct KdfLimits {
  std::uint64_t opslimit = 33554432;
  std::uint64_t memlimit = 1073741824;
};

// The secret key file: encrypted with `password` as `minisign -G` does, or stored as it is
// (`minisign -G -W`) without one. The caller writes it with mode 0600.
Result<std::string> secret_key_file(const SecretKey& key, const std::optional<std::string>& password,
                                    const KdfLimits& limits = {});
// Reads a secret key file (or its text from an environment variable). Usage error for
// anything that is not a minisign Ed25519 key; Credentials error for an encrypted key
// without a password or with the wrong one. No error repeats any of the input.
Result<SecretKey> parse_secret_key(std::string_view text, const std::optional<std::string>& password);

inline constexpr std::size_t kMaxTrustedComment = 8192 - 18;  // minisign's own limit

// A .minisig of `message` (prehashed, as minisign -S signs by default). The comments are
// single printable lines (Usage error otherwise).
Result<std::string> sign(const SecretKey& key, std::string_view message, std::string_view trusted_comment,
                         std::string_view untrusted_comment = "signature from xship secret key");

// Checks a .minisig of `message` against `key`: its form, the key id, the signature of the
// message (prehashed "ED", or legacy "Ed") and that of the trusted comment. Integrity
// errors say which failed. Returns the trusted comment.
Result<std::string> verify(const PublicKey& key, std::string_view message, std::string_view signature_file);

}  // namespace xship::minisign
