/* The smallest program worth shipping: it says which commit and target it was built for. */
#include <stdio.h>

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
  return 0;
}
