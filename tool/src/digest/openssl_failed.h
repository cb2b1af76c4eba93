// What digest/ does when OpenSSL fails where it cannot fail: a documented abort, not an
// error value. MD5, SHA-256, HMAC-SHA256, BLAKE2b and Ed25519 over in-memory bytes fail in
// OpenSSL's default provider only when an allocation fails, or at the first use when an
// OpenSSL configuration (OPENSSL_CONF, a FIPS-only provider) leaves the algorithm out.
// Neither leaves anything to retry or report to, and these pure functions are called from
// signing, every part upload's worker thread and the manifests: a Result on each would
// spread through every caller for a case with no recovery. So: one line on stderr naming
// the step and OpenSSL's reason, then abort() (exit by SIGABRT, as an exhausted heap
// would give anyway).
#pragma once

namespace xship::digest {

[[noreturn]] void openssl_failed(const char* step);

}  // namespace xship::digest
