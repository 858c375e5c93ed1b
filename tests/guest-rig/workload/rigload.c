// rigload: guest workloads for the GuestAssist guest rig. Each mode puts pattern pages somewhere the
// kernel (or a process) holds them, prints `READY <mode> <pages> <pid>` and then keeps them alive
// (sleeps, or for heat-* touches the hot half forever). Built by the rig with `gcc -O2 -static`.
//
// Pattern page (4 KiB): bytes 0..7 magic, 8..11 tag, 12..15 page index; every later 8-byte word is a
// non-zero function of (tag, index, offset). The host finds copies by scanning the guest's RAM file for
// the header.
//
// Modes:
//   pipe <MiB> <tag>                  one pipe sized with F_SETPIPE_SZ, written, never read
//   socket <MiB> <tag>                AF_UNIX stream socketpair with forced buffers, written, never read
//   bpf <MiB> <tag>                   BPF_MAP_TYPE_ARRAY, value 4096, one element per page (vmalloc'd)
//   heat-read <hotMiB> <coldMiB> <tag>   anon memory: hot pages tag, cold pages tag+1; reads hot forever
//   heat-write <hotMiB> <coldMiB> <tag>  same, rewrites the hot pages' bodies forever
//   writes-of <pid> <seconds>         not a workload: clears <pid>'s soft-dirty bits, waits, and prints
//                                     `WRITES <pages> <seconds> <resident> <anonHugeKiB>`, the pages it
//                                     wrote meanwhile and its THP-backed memory (a THP is soft-dirty whole)
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PAGE 4096u
#define MAGIC 0x47415249475041A5ull

static void die(const char *what) {
    fprintf(stderr, "rigload: %s: %s\n", what, strerror(errno));
    exit(1);
}

static uint64_t body_word(uint32_t tag, uint32_t index, uint32_t offset) {
    uint64_t x = ((uint64_t)tag << 40) ^ ((uint64_t)index << 12) ^ offset ^ 0x9E3779B97F4A7C15ull;
    x ^= x >> 31;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 29;
    return x | 1; // never zero
}

static void fill_page(uint8_t *page, uint32_t tag, uint32_t index) {
    uint64_t *words = (uint64_t *)page;
    words[0] = MAGIC;
    memcpy(page + 8, &tag, 4);
    memcpy(page + 12, &index, 4);
    for (uint32_t w = 2; w < PAGE / 8; w++) {
        words[w] = body_word(tag, index, w * 8);
    }
}

static void write_proc(const char *path, const char *value) {
    int fd = open(path, O_WRONLY);
    if (fd < 0) {
        return; // best effort: the limit may not exist on this kernel
    }
    if (write(fd, value, strlen(value)) < 0) {
        fprintf(stderr, "rigload: writing %s to %s: %s\n", value, path, strerror(errno));
    }
    close(fd);
}

static void ready(const char *mode, uint64_t pages) {
    printf("READY %s %llu %d\n", mode, (unsigned long long)pages, (int)getpid());
    fflush(stdout);
}

static void sleep_forever(void) {
    for (;;) {
        pause();
    }
}

// Pipe: the pipe owns one page per 4 KiB write; nothing ever reads it.
static void run_pipe(uint32_t mib, uint32_t tag) {
    uint32_t pages = mib * 256;
    uint64_t bytes = (uint64_t)pages * PAGE;
    char size[32];
    snprintf(size, sizeof size, "%llu", (unsigned long long)bytes);
    write_proc("/proc/sys/fs/pipe-max-size", size);
    write_proc("/proc/sys/fs/pipe-user-pages-soft", "0");
    int fds[2];
    if (pipe2(fds, O_NONBLOCK) != 0) die("pipe2");
    if (fcntl(fds[1], F_SETPIPE_SZ, (int)bytes) < 0) die("F_SETPIPE_SZ");
    static uint8_t buffer[PAGE] __attribute__((aligned(PAGE)));
    uint32_t written = 0;
    for (; written < pages; written++) {
        fill_page(buffer, tag, written);
        ssize_t n = write(fds[1], buffer, PAGE);
        if (n < 0 && errno == EAGAIN) break;
        if (n != PAGE) die("pipe write");
    }
    memset(buffer, 0, sizeof buffer); // the pipe holds the only copy
    ready("pipe", written);
    sleep_forever();
}

// Socket: AF_UNIX stream skbs queued on the peer; 64 KiB writes so most bytes land in page frags
// (a 4 KiB write would put 3.7 KiB of it in the skb's slab head). The buffer is reused and cleared.
static void run_socket(uint32_t mib, uint32_t tag) {
    enum { CHUNK_PAGES = 16 };
    uint32_t pages = mib * 256;
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) != 0) die("socketpair");
    int big = 1 << 30;
    if (setsockopt(fds[0], SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big) != 0) die("SO_SNDBUFFORCE");
    if (setsockopt(fds[1], SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big) != 0) die("SO_RCVBUFFORCE");
    static uint8_t buffer[CHUNK_PAGES * PAGE] __attribute__((aligned(PAGE)));
    uint64_t sent = 0, total = (uint64_t)pages * PAGE;
    int stalls = 0;
    while (sent < total && stalls < 100) {
        uint32_t first = (uint32_t)(sent / PAGE);
        uint32_t count = pages - first < CHUNK_PAGES ? pages - first : CHUNK_PAGES;
        for (uint32_t i = 0; i < count; i++) fill_page(buffer + i * PAGE, tag, first + i);
        uint64_t skip = sent % PAGE; // a partial write leaves the stream mid-page
        ssize_t n = write(fds[0], buffer + skip, count * PAGE - skip);
        if (n < 0) {
            if (errno != EAGAIN) die("socket write");
            stalls++;
            usleep(10000);
            continue;
        }
        stalls = 0;
        sent += (uint64_t)n;
    }
    memset(buffer, 0, sizeof buffer);
    ready("socket", sent / PAGE);
    sleep_forever();
}

static long bpf_call(int cmd, union bpf_attr *attr) {
    return syscall(SYS_bpf, cmd, attr, sizeof *attr);
}

// BPF array map: not mmapable, so the kernel vmallocs its values; one 4 KiB element per page.
static void run_bpf(uint32_t mib, uint32_t tag) {
    uint32_t pages = mib * 256;
    struct rlimit unlimited = {RLIM_INFINITY, RLIM_INFINITY};
    setrlimit(RLIMIT_MEMLOCK, &unlimited); // pre-5.11 kernels charge maps to memlock
    union bpf_attr create;
    memset(&create, 0, sizeof create);
    create.map_type = BPF_MAP_TYPE_ARRAY;
    create.key_size = 4;
    create.value_size = PAGE;
    create.max_entries = pages;
    int map = (int)bpf_call(BPF_MAP_CREATE, &create);
    if (map < 0) die("BPF_MAP_CREATE");
    static uint8_t buffer[PAGE] __attribute__((aligned(PAGE)));
    for (uint32_t i = 0; i < pages; i++) {
        fill_page(buffer, tag, i);
        union bpf_attr update;
        memset(&update, 0, sizeof update);
        update.map_fd = (uint32_t)map;
        update.key = (uint64_t)(uintptr_t)&i;
        update.value = (uint64_t)(uintptr_t)buffer;
        update.flags = BPF_ANY;
        if (bpf_call(BPF_MAP_UPDATE_ELEM, &update) != 0) die("BPF_MAP_UPDATE_ELEM");
    }
    memset(buffer, 0, sizeof buffer);
    ready("bpf", pages);
    sleep_forever();
}

// Heat: anonymous memory in 4 KiB frames (MADV_NOHUGEPAGE before the first touch, so the fill faults
// in base pages; no MAP_POPULATE, which would fault before the madvise). Hot pages carry `tag`, cold
// pages `tag + 1`; after the fill only the hot pages are touched again.
static void run_heat(int write_mode, uint32_t hot_mib, uint32_t cold_mib, uint32_t tag) {
    uint32_t hot = hot_mib * 256, cold = cold_mib * 256;
    size_t length = (size_t)(hot + cold) * PAGE;
    uint8_t *area = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED) die("mmap");
    if (madvise(area, length, MADV_NOHUGEPAGE) != 0) die("madvise(MADV_NOHUGEPAGE)");
    for (uint32_t i = 0; i < hot; i++) fill_page(area + (size_t)i * PAGE, tag, i);
    for (uint32_t i = 0; i < cold; i++) fill_page(area + (size_t)(hot + i) * PAGE, tag + 1, i);
    ready(write_mode ? "heat-write" : "heat-read", hot + cold);
    volatile uint64_t sink = 0;
    for (uint64_t round = 1;; round++) {
        for (uint32_t i = 0; i < hot; i++) {
            uint64_t *words = (uint64_t *)(area + (size_t)i * PAGE);
            if (write_mode) {
                // Rewrite the body, keep the header: the page stays identifiable.
                for (uint32_t w = 2; w < PAGE / 8; w += 8) words[w] = body_word(tag, i, w * 8) ^ (round << 1);
            } else {
                uint64_t sum = 0;
                for (uint32_t w = 0; w < PAGE / 8; w += 8) sum += words[w];
                sink += sum;
            }
        }
        usleep(20000); // leave the single guest CPU to the scan between passes
    }
}

// Pages of <pid> present and soft-dirty, over its mappings (pagemap bit 63 present, bit 55 soft-dirty).
// Returns 0 with errno ENOENT or ESRCH when <pid> has exited.
static int count_soft_dirty(int pid, uint64_t *dirty_out, uint64_t *resident) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/maps", pid);
    FILE *maps = fopen(path, "r");
    snprintf(path, sizeof path, "/proc/%d/pagemap", pid);
    int pagemap = open(path, O_RDONLY);
    if ((!maps || pagemap < 0) && (errno == ENOENT || errno == ESRCH)) {
        if (maps) fclose(maps);
        if (pagemap >= 0) close(pagemap);
        return 0;
    }
    if (!maps || pagemap < 0) die("opening maps/pagemap");
    static uint64_t entries[4096];
    uint64_t dirty = 0;
    *resident = 0;
    char line[512];
    while (fgets(line, sizeof line, maps)) {
        unsigned long long start, end;
        if (sscanf(line, "%llx-%llx", &start, &end) != 2 || end > (1ull << 47)) continue;
        for (uint64_t page = start / PAGE; page < end / PAGE;) {
            uint64_t count = end / PAGE - page;
            if (count > 4096) count = 4096;
            ssize_t got = pread(pagemap, entries, count * 8, (off_t)(page * 8));
            if (got <= 0) break;
            for (ssize_t i = 0; i < got / 8; i++) {
                if (entries[i] >> 63) {
                    (*resident)++;
                    if ((entries[i] >> 55) & 1) dirty++;
                }
            }
            page += (uint64_t)got / 8;
        }
    }
    fclose(maps);
    close(pagemap);
    *dirty_out = dirty;
    return 1;
}

// AnonHugePages of <pid> in KiB (smaps_rollup), or -1 when the kernel does not say.
static long long anon_huge_kib(int pid) {
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/smaps_rollup", pid);
    FILE *rollup = fopen(path, "r");
    if (!rollup) return -1;
    long long kib = -1;
    while (fgets(line, sizeof line, rollup)) {
        if (sscanf(line, "AnonHugePages: %lld kB", &kib) == 1) break;
    }
    fclose(rollup);
    return kib;
}

static void run_writes_of(uint32_t pid, uint32_t seconds) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%u/clear_refs", pid);
    int fd = open(path, O_WRONLY);
    if (fd < 0 && (errno == ENOENT || errno == ESRCH)) {
        printf("NO-AGENT the scan ended before the watch began\n");
        exit(0);
    }
    if (fd < 0 || write(fd, "4", 1) != 1) die("clear_refs");
    close(fd);
    sleep(seconds);
    uint64_t resident, dirty;
    if (!count_soft_dirty((int)pid, &dirty, &resident)) {
        // A monitor that fell back to LRU flags needs no window, so its scan can end inside the watch.
        printf("NO-AGENT the scan ended during the watch\n");
        exit(0);
    }
    printf("WRITES %llu %u %llu %lld\n", (unsigned long long)dirty, seconds, (unsigned long long)resident, anon_huge_kib((int)pid));
    exit(0);
}

static uint32_t number(const char *text) {
    char *end;
    unsigned long value = strtoul(text, &end, 0);
    if (*text == 0 || *end != 0 || value > 0xFFFFFFFFul) {
        fprintf(stderr, "rigload: not a number: %s\n", text);
        exit(2);
    }
    return (uint32_t)value;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "pipe") == 0) run_pipe(number(argv[2]), number(argv[3]));
    if (argc == 4 && strcmp(argv[1], "socket") == 0) run_socket(number(argv[2]), number(argv[3]));
    if (argc == 4 && strcmp(argv[1], "bpf") == 0) run_bpf(number(argv[2]), number(argv[3]));
    if (argc == 5 && strcmp(argv[1], "heat-read") == 0) run_heat(0, number(argv[2]), number(argv[3]), number(argv[4]));
    if (argc == 5 && strcmp(argv[1], "heat-write") == 0) run_heat(1, number(argv[2]), number(argv[3]), number(argv[4]));
    if (argc == 4 && strcmp(argv[1], "writes-of") == 0) run_writes_of(number(argv[2]), number(argv[3]));
    fprintf(stderr, "usage: rigload pipe|socket|bpf <MiB> <tag> | heat-read|heat-write <hotMiB> <coldMiB> <tag> | writes-of <pid> <seconds>\n");
    return 2;
}
