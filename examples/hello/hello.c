/* The smallest program worth shipping: it says which commit and target it was built for. */
#include <stdio.h>

#ifndef XSHIP_VERSION
#define XSHIP_VERSION "unknown"
#endif
#ifndef XSHIP_COMMIT
#define XSHIP_COMMIT "unknown"
#endif
#ifndef XSHIP_OS
#define XSHIP_OS "unknown"
#endif
#ifndef XSHIP_ARCH
#define XSHIP_ARCH "unknown"
#endif

/* What the compiler really targeted, in Go's names: a check on the injected XSHIP_ARCH. */
#if defined(__x86_64__)
#define COMPILED_FOR "amd64"
#elif defined(__aarch64__)
#define COMPILED_FOR "arm64"
#elif defined(__arm__)
#define COMPILED_FOR "arm"
#elif defined(__i386__)
#define COMPILED_FOR "386"
#elif defined(__riscv) && __riscv_xlen == 64
#define COMPILED_FOR "riscv64"
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
#define COMPILED_FOR "ppc64le"
#elif defined(__s390x__)
#define COMPILED_FOR "s390x"
#else
#define COMPILED_FOR "unknown"
#endif

int main(void) {
  printf("hello from %s/%s, commit %s\n", XSHIP_OS, XSHIP_ARCH, XSHIP_COMMIT);
  printf("compiled for %s\n", COMPILED_FOR);
  printf("version %s\n", XSHIP_VERSION);
  return 0;
}
