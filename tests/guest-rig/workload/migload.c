// migload: guest workloads for the GuestAssist migration benchmark. Built by the rig with `gcc -O2 -static`.
//
//   kv <wsMiB> <idleMiB> <theta x100> <write %> <tag>
//       A key-value service: 64-byte records in <wsMiB> of anonymous memory, 64 per page. Each operation
//       picks a page from a Zipf distribution of exponent theta/100 (0: uniform) over a fixed random
//       permutation of the pages (hot pages are scattered, as in a real heap), one record in it, reads and
//       checks it; <write %> of operations then write a new version of it. <idleMiB> more are filled once
//       with pattern pages and never touched again. Every record and idle page is self-checking: record
//       words are a function of (key, version, word) and the version is also kept in a separate table;
//       a zero-filled, stale or torn page reads as a wrong word.
//       Prints `READY kv <pages> <pid>` after the fill, then every 100 ms of its own clock
//       `TPUT <monotonic ms> <operations> <errors>` (running totals). A line "v" on stdin checks every
//       record and idle page and prints `VERIFY <errors> <pages checked>`.
//   rogue <MiB>
//       Rewrites <MiB> of anonymous memory as fast as it can, forever: a process dirtying memory faster
//       than the link carries it. Prints `READY rogue <pages> <pid>` once it has written it all once.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096u
#define RECORDS_PER_PAGE (PAGE / 64u)

static void die(const char *what) {
    fprintf(stderr, "migload: %s: %s\n", what, strerror(errno));
    exit(1);
}

static uint64_t mix(uint64_t x) {
    x ^= x >> 31;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 29;
    x *= 0x94D049BB133111EBull;
    x ^= x >> 32;
    return x;
}

static uint64_t record_word(uint64_t key, uint32_t version, uint32_t word) {
    return mix((key << 24) ^ ((uint64_t)version << 4) ^ word ^ 0x9E3779B97F4A7C15ull) | 1; // never zero
}

static uint64_t idle_word(uint32_t tag, uint64_t page, uint32_t word) {
    return mix(((uint64_t)tag << 48) ^ (page << 10) ^ word ^ 0x2545F4914F6CDD1Dull) | 1;
}

static uint64_t rng_state = 0x853C49E6748FEA9Bull;
static inline uint64_t next_random(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static uint64_t now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static void *anonymous(size_t bytes) {
    void *area = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED) die("mmap");
    return area;
}

struct kv {
    uint64_t *records; // 8 words per record
    uint32_t *versions;
    uint64_t *idle;
    uint32_t *order;   // rank -> page
    double *cdf;       // over ranks, NULL when uniform
    uint64_t pages, idle_pages, records_count;
    uint32_t tag;
};

static void write_record(struct kv *kv, uint64_t key, uint32_t version) {
    uint64_t *r = kv->records + key * 8;
    r[0] = (key << 32) | version;
    for (uint32_t w = 1; w < 8; w++) r[w] = record_word(key, version, w);
    kv->versions[key] = version;
}

static int record_ok(const struct kv *kv, uint64_t key) {
    const uint64_t *r = kv->records + key * 8;
    uint32_t version = kv->versions[key];
    if (version == 0 || r[0] != ((key << 32) | version)) return 0;
    for (uint32_t w = 1; w < 8; w++) {
        if (r[w] != record_word(key, version, w)) return 0;
    }
    return 1;
}

static uint64_t pick_page(const struct kv *kv) {
    if (!kv->cdf) return next_random() % kv->pages;
    double u = (double)(next_random() >> 11) * (1.0 / 9007199254740992.0);
    uint64_t low = 0, high = kv->pages - 1;
    while (low < high) {
        uint64_t middle = (low + high) / 2;
        if (kv->cdf[middle] < u) low = middle + 1; else high = middle;
    }
    return kv->order[low];
}

static uint64_t verify_all(const struct kv *kv, uint64_t *checked) {
    uint64_t errors = 0;
    for (uint64_t key = 0; key < kv->records_count; key++) errors += !record_ok(kv, key);
    for (uint64_t page = 0; page < kv->idle_pages; page++) {
        const uint64_t *words = kv->idle + page * (PAGE / 8);
        for (uint32_t w = 0; w < PAGE / 8; w++) {
            if (words[w] != idle_word(kv->tag, page, w)) { errors++; break; }
        }
    }
    *checked = kv->pages + kv->idle_pages;
    return errors;
}

static void run_kv(uint32_t ws_mib, uint32_t idle_mib, uint32_t theta100, uint32_t write_percent, uint32_t tag) {
    struct kv kv = {.tag = tag};
    kv.pages = (uint64_t)ws_mib * 256;
    kv.idle_pages = (uint64_t)idle_mib * 256;
    kv.records_count = kv.pages * RECORDS_PER_PAGE;
    if (kv.pages == 0) { errno = EINVAL; die("the working set needs at least 1 MiB"); }
    kv.records = anonymous(kv.pages * PAGE);
    kv.versions = anonymous(kv.records_count * sizeof(uint32_t));
    kv.idle = kv.idle_pages ? anonymous(kv.idle_pages * PAGE) : NULL;
    kv.order = anonymous(kv.pages * sizeof(uint32_t));
    rng_state ^= tag;
    for (uint64_t i = 0; i < kv.pages; i++) kv.order[i] = (uint32_t)i;
    for (uint64_t i = kv.pages - 1; i > 0; i--) {
        uint64_t j = next_random() % (i + 1);
        uint32_t t = kv.order[i]; kv.order[i] = kv.order[j]; kv.order[j] = t;
    }
    if (theta100 > 0) {
        kv.cdf = anonymous(kv.pages * sizeof(double));
        double theta = theta100 / 100.0, sum = 0;
        for (uint64_t i = 0; i < kv.pages; i++) sum += 1.0 / pow((double)(i + 1), theta);
        double running = 0;
        for (uint64_t i = 0; i < kv.pages; i++) {
            running += 1.0 / pow((double)(i + 1), theta) / sum;
            kv.cdf[i] = running;
        }
        kv.cdf[kv.pages - 1] = 1.0;
    }
    for (uint64_t key = 0; key < kv.records_count; key++) write_record(&kv, key, 1);
    for (uint64_t page = 0; page < kv.idle_pages; page++) {
        uint64_t *words = kv.idle + page * (PAGE / 8);
        for (uint32_t w = 0; w < PAGE / 8; w++) words[w] = idle_word(tag, page, w);
    }
    printf("READY kv %llu %d\n", (unsigned long long)(kv.pages + kv.idle_pages), (int)getpid());
    fflush(stdout);
    int flags = fcntl(0, F_GETFL);
    if (flags >= 0) fcntl(0, F_SETFL, flags | O_NONBLOCK);
    uint64_t operations = 0, errors = 0, next_report = now_ms() + 100;
    for (;;) {
        for (int i = 0; i < 256; i++) {
            uint64_t key = pick_page(&kv) * RECORDS_PER_PAGE + (next_random() & (RECORDS_PER_PAGE - 1));
            if (!record_ok(&kv, key)) {
                if (errors++ < 10) fprintf(stderr, "migload: record %llu is wrong\n", (unsigned long long)key);
                write_record(&kv, key, kv.versions[key] + 1);
            } else if (next_random() % 100 < write_percent) {
                write_record(&kv, key, kv.versions[key] + 1);
            }
            operations++;
        }
        uint64_t now = now_ms();
        if (now >= next_report) {
            printf("TPUT %llu %llu %llu\n", (unsigned long long)now, (unsigned long long)operations, (unsigned long long)errors);
            fflush(stdout);
            next_report += 100;
            if (next_report <= now) next_report = now + 100;
            char command[64];
            ssize_t got = read(0, command, sizeof command);
            if (got > 0 && memchr(command, 'v', (size_t)got)) {
                uint64_t checked;
                uint64_t wrong = verify_all(&kv, &checked);
                printf("VERIFY %llu %llu\n", (unsigned long long)(wrong + errors), (unsigned long long)checked);
                fflush(stdout);
            }
        }
    }
}

static void run_rogue(uint32_t mib) {
    uint64_t words = (uint64_t)mib * (1 << 20) / 8;
    uint64_t *area = anonymous(words * 8);
    for (uint64_t round = 1;; round++) {
        for (uint64_t w = 0; w < words; w += 8) area[w] = round ^ w; // one word per cache line dirties every page
        if (round == 1) {
            printf("READY rogue %llu %d\n", (unsigned long long)(words * 8 / PAGE), (int)getpid());
            fflush(stdout);
        }
    }
}

static uint32_t number(const char *text) {
    char *end;
    unsigned long value = strtoul(text, &end, 0);
    if (*text == 0 || *end != 0 || value > 0xFFFFFFFFul) {
        fprintf(stderr, "migload: not a number: %s\n", text);
        exit(2);
    }
    return (uint32_t)value;
}

int main(int argc, char **argv) {
    if (argc == 7 && strcmp(argv[1], "kv") == 0) run_kv(number(argv[2]), number(argv[3]), number(argv[4]), number(argv[5]), number(argv[6]));
    if (argc == 3 && strcmp(argv[1], "rogue") == 0) run_rogue(number(argv[2]));
    fprintf(stderr, "usage: migload kv <wsMiB> <idleMiB> <theta x100> <write %%> <tag> | rogue <MiB>\n");
    return 2;
}
