/* A fully static program without libc: write(1, msg), exit(0) by system calls. */
static const char msg[] = "hello\n";
void _start(void) {
  long r;
  __asm__ volatile("syscall" : "=a"(r) : "a"(1L), "D"(1L), "S"(msg), "d"(sizeof msg - 1) : "rcx", "r11", "memory");
  __asm__ volatile("syscall" : : "a"(60L), "D"(0L) : "rcx", "r11", "memory");
  for (;;) {
  }
}
