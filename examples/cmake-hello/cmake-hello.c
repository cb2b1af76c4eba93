/* The CMake example xship ships: it says which commit and target it was built for, then
   proves the zlib it was linked with (the target's, from Debian multiarch) works. */
#include <stdio.h>
#include <string.h>
#ifdef HAVE_ZLIB
#include <zlib.h>
#endif

/* xship's toolchain file defines these for every source; a plain build has none. */
#ifndef XSHIP_COMMIT
#define XSHIP_COMMIT "unknown"
#endif
#ifndef XSHIP_OS
#define XSHIP_OS "unknown"
#endif
#ifndef XSHIP_ARCH
#define XSHIP_ARCH "unknown"
#endif

int main(void) {
  printf("hello from %s/%s, commit %s\n", XSHIP_OS, XSHIP_ARCH, XSHIP_COMMIT);
#ifdef HAVE_ZLIB
  unsigned char input[4096], packed[8192], unpacked[4096];
  for (size_t i = 0; i < sizeof input; ++i) input[i] = (unsigned char)("xship"[i % 5] + i / 512);
  uLongf packed_len = sizeof packed, unpacked_len = sizeof unpacked;
  if (compress2(packed, &packed_len, input, sizeof input, 9) != Z_OK) return 1;
  if (uncompress(unpacked, &unpacked_len, packed, packed_len) != Z_OK) return 2;
  if (unpacked_len != sizeof input || memcmp(input, unpacked, sizeof input) != 0) return 3;
  printf("zlib %s round trip ok: %lu -> %lu bytes\n", zlibVersion(), (unsigned long)sizeof input,
         (unsigned long)packed_len);
#else
  printf("zlib: not built in for this target\n");
#endif
  return 0;
}
