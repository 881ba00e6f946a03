/* campaign_shim: an LD_PRELOAD library for tools/campaign (not linked into
 * any program). It measures and widens, it changes no result:
 *
 *  - CAMPAIGN_REPORT=FILE: at exit (after the program's own static
 *    destructors and atexit handlers) appends one JSON line to FILE: the
 *    descriptors open now that were not open when the program started
 *    ("leaked", with what each points to), VmHWM and VmRSS from
 *    /proc/self/status, and the heap: with AddressSanitizer its allocator's
 *    figures (__sanitizer_get_current_allocated_bytes, __sanitizer_get_heap_size),
 *    else glibc's mallinfo2 (uordblks in use, arena + hblkhd mapped). A
 *    process killed by a signal writes nothing.
 *  - CAMPAIGN_SYNC_DELAY_US=N: fsync, fdatasync, rename and renameat sleep N
 *    microseconds before the real call, so a SIGKILL at a random instant
 *    lands inside these windows more often.
 *  - CAMPAIGN_EVENTS=FILE: appends "B name" before and "E name rc" after each
 *    of those calls (one write(2) each, O_APPEND), so after a kill the last
 *    line says whether it landed inside one.
 *  - CAMPAIGN_HEAP=FILE: at each rename (every journal write of an edit:
 *    intent, task, result, done) rewrites FILE with "IN_USE MAPPED\n", the
 *    heap figures of the report below, so a long-lived program's heap can be
 *    sampled while it runs.
 *
 * Memory: fixed static buffers (a 1024-descriptor bitmap, 4 KB of text);
 * nothing is allocated. */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_FD 1024

#define NEXT(type, name) ((type)dlsym(RTLD_NEXT, name))

static unsigned char g_open_at_start[MAX_FD / 8];
static int g_events_fd = -1;
static long g_delay_us;
static int g_heap_fd = -1;

static void scan_fds(unsigned char *bits) {
  DIR *d = opendir("/proc/self/fd");
  if (!d) return;
  int self = dirfd(d);
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    int fd = atoi(e->d_name);
    if (fd == self || fd < 0 || fd >= MAX_FD) continue;
    bits[fd / 8] |= (unsigned char)(1u << (fd % 8));
  }
  closedir(d);
}

static void emit(const char *name, int phase, int rc) {
  if (g_events_fd < 0) return;
  char line[64];
  int n = phase ? snprintf(line, sizeof line, "E %s %d\n", name, rc)
                : snprintf(line, sizeof line, "B %s\n", name);
  if (n > 0) {
    ssize_t w = write(g_events_fd, line, (size_t)n);
    (void)w;
  }
}

static void pause_call(void) {
  if (g_delay_us <= 0) return;
  struct timespec ts = {g_delay_us / 1000000, (g_delay_us % 1000000) * 1000};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

__attribute__((constructor)) static void shim_init(void) {
  scan_fds(g_open_at_start);
  const char *d = getenv("CAMPAIGN_SYNC_DELAY_US");
  if (d) g_delay_us = atol(d);
  const char *ev = getenv("CAMPAIGN_EVENTS");
  if (ev && *ev) g_events_fd = open(ev, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  const char *hp = getenv("CAMPAIGN_HEAP");
  if (hp && *hp) g_heap_fd = open(hp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
}

static const char *heap_figures(unsigned long *in_use, unsigned long *mapped) {
  size_t (*asan_in_use)(void) = NEXT(size_t(*)(void), "__sanitizer_get_current_allocated_bytes");
  size_t (*asan_heap)(void) = NEXT(size_t(*)(void), "__sanitizer_get_heap_size");
  if (asan_in_use && asan_heap) {
    *in_use = asan_in_use();
    *mapped = asan_heap();
    return "asan";
  }
  struct mallinfo2 mi = mallinfo2();
  *in_use = mi.uordblks;
  *mapped = mi.arena + mi.hblkhd;
  return "glibc";
}

static void note_heap(void) {
  if (g_heap_fd < 0) return;
  unsigned long in_use, mapped;
  heap_figures(&in_use, &mapped);
  char line[64];
  int n = snprintf(line, sizeof line, "%lu %lu\n%20s", in_use, mapped, "");
  if (n > 0) {
    ssize_t w = pwrite(g_heap_fd, line, (size_t)n, 0);
    (void)w;
  }
}

static long status_kb(const char *buf, const char *key) {
  const char *p = strstr(buf, key);
  return p ? atol(p + strlen(key)) : -1;
}

__attribute__((destructor)) static void shim_fini(void) {
  const char *report = getenv("CAMPAIGN_REPORT");
  if (!report || !*report) return;
  unsigned char now[MAX_FD / 8];
  memset(now, 0, sizeof now);
  scan_fds(now);
  char out[4096];
  size_t len = 0;
  int leaked = 0;
  len +=
      (size_t)snprintf(out + len, sizeof out - len, "{\"pid\": %d, \"leaked\": [", (int)getpid());
  for (int fd = 0; fd < MAX_FD; ++fd) {
    int open_now = now[fd / 8] & (1u << (fd % 8));
    int at_start = g_open_at_start[fd / 8] & (1u << (fd % 8));
    if (!open_now || at_start || fd == g_events_fd || fd == g_heap_fd) continue;
    char link[64], target[256];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    target[n > 0 ? n : 0] = '\0';
    for (char *c = target; *c; ++c)
      if (*c == '"' || *c == '\\' || (unsigned char)*c < 32) *c = '?';
    if (len < sizeof out - 400)
      len += (size_t)snprintf(out + len, sizeof out - len, "%s{\"fd\": %d, \"target\": \"%s\"}",
                              leaked ? ", " : "", fd, target);
    ++leaked;
  }
  char status[4096] = "";
  int sfd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (sfd >= 0) {
    ssize_t n = read(sfd, status, sizeof status - 1);
    status[n > 0 ? n : 0] = '\0';
    close(sfd);
  }
  unsigned long heap_in_use, heap_size;
  const char *heap_kind = heap_figures(&heap_in_use, &heap_size);
  len += (size_t)snprintf(out + len, sizeof out - len,
                          "], \"leaked_count\": %d, \"vm_hwm_kb\": %ld, \"vm_rss_kb\": %ld, "
                          "\"heap\": \"%s\", \"heap_in_use\": %lu, \"heap_size\": %lu}\n",
                          leaked, status_kb(status, "VmHWM:"), status_kb(status, "VmRSS:"),
                          heap_kind, heap_in_use, heap_size);
  int fd = open(report, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ssize_t w = write(fd, out, len < sizeof out ? len : sizeof out - 1);
    (void)w;
    close(fd);
  }
}

int fsync(int fd) {
  emit("fsync", 0, 0);
  pause_call();
  int rc = NEXT(int (*)(int), "fsync")(fd);
  emit("fsync", 1, rc);
  return rc;
}

int fdatasync(int fd) {
  emit("fdatasync", 0, 0);
  pause_call();
  int rc = NEXT(int (*)(int), "fdatasync")(fd);
  emit("fdatasync", 1, rc);
  return rc;
}

int rename(const char *from, const char *to) {
  emit("rename", 0, 0);
  pause_call();
  int rc = NEXT(int (*)(const char *, const char *), "rename")(from, to);
  emit("rename", 1, rc);
  note_heap();
  return rc;
}

int renameat(int dfrom, const char *from, int dto, const char *to) {
  emit("renameat", 0, 0);
  pause_call();
  int rc = NEXT(int (*)(int, const char *, int, const char *), "renameat")(dfrom, from, dto, to);
  emit("renameat", 1, rc);
  note_heap();
  return rc;
}
