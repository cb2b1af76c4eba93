// What fetch --verify-key reads from the store and from the user: minisign signature files
// and public keys, secret key files, and DSSE provenance envelopes. The first byte picks
// the parser; any bytes are an error value or a result, never a crash, a hang or a read
// past the input. (Secret keys are parsed without a password: with one, scrypt's cost is
// what the key file asks, bounded by minisign's own limits, and too slow to fuzz.)
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "digest/minisign.h"
#include "release/provenance.h"

using namespace xship;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  static const minisign::PublicKey key =
      *minisign::parse_public_key("RWTP/QDRgKnIRXTcOiBRHb43lnSrTUWL3BH8IBMRlf2PseCO5f5v95w0");
  switch (data[0] % 4) {
    case 0:
      if (minisign::verify(key, "message", text)) std::abort();  // no forgery from random bytes
      break;
    case 1:
      if (auto k = minisign::parse_public_key(text))
        if (minisign::parse_public_key(minisign::public_key_file(*k)).value() != *k) std::abort();
      break;
    case 2: (void)minisign::parse_secret_key(text, std::nullopt); break;
    case 3:
      if (auto payload = release::dsse_open(text, key)) std::abort();
      (void)release::check_subjects(text, {});
      break;
  }
  return 0;
}
