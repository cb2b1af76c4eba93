// Ed25519, BLAKE2b, scrypt and randomness for release signing, over OpenSSL like the rest
// of this room (OpenSSL's headers stay in the .cpp). Pure functions on bytes; the minisign
// file formats built on them are in digest/minisign.h.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xship::digest {

using Blake2b512 = std::array<std::uint8_t, 64>;

// BLAKE2b with its full 64-byte output (OpenSSL's BLAKE2B-512): minisign's prehash.
Blake2b512 blake2b512(std::string_view data);

// BLAKE2b with a shorter output (1-64 bytes) and no key, RFC 7693. The output length is
// part of BLAKE2b's parameter block, so this is not a truncation of blake2b512; OpenSSL
// 3.0 (Debian 12) fixes the length at 64, and minisign's key checksum is 32 bytes long.
std::string blake2b(std::string_view data, std::size_t out_len);

// scrypt (RFC 7914) through OpenSSL. False when OpenSSL refuses the parameters or the
// memory (`max_memory` bytes) they need.
bool scrypt(std::string_view password, std::string_view salt, std::uint64_t n, std::uint32_t r, std::uint32_t p,
            std::uint64_t max_memory, std::uint8_t* out, std::size_t out_len);

// Cryptographically secure random bytes (OpenSSL's RAND_bytes). False when none could be had.
bool random_bytes(std::uint8_t* out, std::size_t n);

// Overwrites memory holding a secret in a way the compiler keeps (OPENSSL_cleanse).
void wipe(void* p, std::size_t n);

// Strict base64 (RFC 4648, with padding): nullopt for anything else, whitespace included.
std::optional<std::string> base64_decode(std::string_view text);

namespace ed25519 {
using Seed = std::array<std::uint8_t, 32>;  // the secret: RFC 8032's private key
using PublicKey = std::array<std::uint8_t, 32>;
using Signature = std::array<std::uint8_t, 64>;

PublicKey public_key(const Seed& seed);
Signature sign(const Seed& seed, std::string_view message);
bool verify(const PublicKey& key, std::string_view message, const Signature& sig);
}  // namespace ed25519

}  // namespace xship::digest
