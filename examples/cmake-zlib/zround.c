/* Compresses and restores a buffer with the target's zlib: proof the library found at
   build time is the one that runs. */
#include <stdio.h>
#include <string.h>
#include <zlib.h>

int main(void) {
  unsigned char input[4096], packed[8192], unpacked[4096];
  for (size_t i = 0; i < sizeof input; ++i) input[i] = (unsigned char)("xship"[i % 5] + i / 512);
  uLongf packed_len = sizeof packed, unpacked_len = sizeof unpacked;
  if (compress2(packed, &packed_len, input, sizeof input, 9) != Z_OK) return 1;
  if (uncompress(unpacked, &unpacked_len, packed, packed_len) != Z_OK) return 2;
  if (unpacked_len != sizeof input || memcmp(input, unpacked, sizeof input) != 0) return 3;
  printf("zlib %s round trip ok: %lu -> %lu bytes\n", zlibVersion(), (unsigned long)sizeof input,
         (unsigned long)packed_len);
  return 0;
}
