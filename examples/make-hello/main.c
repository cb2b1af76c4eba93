/* make-hello: the Makefile twin of examples/hello. XSHIP_OS, XSHIP_ARCH and XSHIP_COMMIT come
   from CPPFLAGS (xship's, or the Makefile's defaults). */
#include <stdio.h>

#include "greeting.h"

int main(void) {
  char line[256];
  format_greeting(line, sizeof line, XSHIP_OS, XSHIP_ARCH, XSHIP_COMMIT);
  puts(line);
  return 0;
}
